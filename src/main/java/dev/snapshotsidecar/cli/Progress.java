package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.observe.WorkProgress;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows how far a command's long work has come: done, total, rate and time left, phase by phase.
 *
 * <ul>
 *   <li>{@link Style#TERMINAL}: one line updated in place (carriage return), at most every
 *       {@value #TERMINAL_REFRESH_MILLIS} ms, with a bar when the total is known:
 *       {@code verifying  [██████░░░░░░░░░░░░░░]  1,234/5,000  24%  312/s  0:12 left}.</li>
 *   <li>{@link Style#LINES}: a plain line at most every {@value #LINES_EVERY_SECONDS} s, for logs, pipes and CI:
 *       {@code verifying: 1,234/5,000 (24%), 312/s, 0:12 left}.</li>
 * </ul>
 * Both end each phase with one line: {@code verifying: 5,000/5,000 in 0:16 (312/s)}. The rate is measured over the
 * last {@value #RATE_WINDOW_SECONDS} s, so time left follows the work as it speeds up or slows down.
 *
 * <p>Output goes to the stream it is given: a command passes its standard error, so that standard output keeps only
 * the command's result (the {@code --json} document). {@link #forCommand} picks the style: a terminal when the JVM
 * has a console and no {@code --json} was asked for, plain lines otherwise.
 *
 * <p>Use: one per command, in try-with-resources; a phase per stage of the work. Code that does the work takes a
 * {@link WorkProgress} (this class is one), so it neither formats nor prints:
 * <pre>{@code
 * try (Progress progress = Progress.forCommand(spec.commandLine().getErr(), json)) {
 *     progress.phase("reconciling heads", streams);
 *     for (...) { ...; progress.advance(1); }
 * }
 * }</pre>
 * Work observed from outside (a rebuild polled over HTTP) reports absolute figures with {@link #update}.
 *
 * <p>Thread-safe: every method may be called from any thread (builds finishing on a pool, say). Nothing runs in the
 * background: the display changes only when a method is called.
 */
public final class Progress implements WorkProgress, AutoCloseable {
    static final long TERMINAL_REFRESH_MILLIS = 100;
    static final long LINES_EVERY_SECONDS = 10;
    static final long RATE_WINDOW_SECONDS = 10;
    private static final int BAR_WIDTH = 20;
    private static final long SAMPLE_NANOS = 250_000_000L;

    /** How progress is shown. */
    public enum Style {
        /** One line updated in place, for a person at a terminal. */
        TERMINAL,
        /** A plain line now and then, for logs, pipes and CI. */
        LINES
    }

    private final PrintWriter out;
    private final Style style;
    private final LongSupplier nanoTime;
    private final Deque<long[]> samples = new ArrayDeque<>();
    private String name = "";
    private long total = UNKNOWN;
    private long done;
    private String detail = "";
    private long startedNanos;
    private long shownNanos;
    private int shownWidth;
    private boolean active;

    Progress(PrintWriter out, Style style, LongSupplier nanoTime) {
        this.out = out;
        this.style = style;
        this.nanoTime = nanoTime;
    }

    /** Progress in the given style on {@code out}. */
    public static Progress of(PrintWriter out, Style style) {
        return new Progress(out, style, System::nanoTime);
    }

    /** Progress in the given style on {@code out}. */
    public static Progress of(PrintStream out, Style style) {
        return of(new PrintWriter(out, true), style);
    }

    /**
     * Progress for a command: on a terminal unless the JVM has no console (output redirected) or {@code json} asks
     * for machine-readable output, plain lines otherwise.
     *
     * @param err the command's standard error
     */
    public static Progress forCommand(PrintWriter err, boolean json) {
        return of(err, terminal() && !json ? Style.TERMINAL : Style.LINES);
    }

    /** As {@link #forCommand(PrintWriter, boolean)}, on a stream (the demo's {@code System.err}). */
    public static Progress forCommand(PrintStream err, boolean json) {
        return forCommand(new PrintWriter(err, true), json);
    }

    private static boolean terminal() {
        // Java 17 has no Console.isTerminal(): a console exists only when neither stdin nor stdout is redirected
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    public Style style() {
        return style;
    }

    @Override
    public synchronized void phase(String name, long total) {
        finish();
        this.name = name;
        this.total = total;
        this.done = 0;
        this.detail = "";
        this.startedNanos = nanoTime.getAsLong();
        this.shownNanos = startedNanos;
        this.samples.clear();
        this.samples.add(new long[]{startedNanos, 0});
        this.active = true;
        if (style == Style.TERMINAL) {
            draw(startedNanos);
        }
    }

    @Override
    public synchronized void advance(long steps) {
        if (active) {
            set(done + steps, total);
        }
    }

    /**
     * Absolute figures of the current phase, for work observed from outside: {@code done} of {@code total} (or
     * {@link #UNKNOWN}); either may move both ways between calls.
     */
    public synchronized void update(long done, long total) {
        if (active) {
            set(done, total);
        }
    }

    /** A short text shown after the figures of the current phase ("3 failed"); empty for none. */
    public synchronized void detail(String detail) {
        this.detail = detail;
    }

    /** A line of its own, printed without breaking the progress line (which is drawn again below it). */
    public synchronized void note(String line) {
        if (style == Style.TERMINAL && active) {
            clear();
            out.println(line);
            draw(nanoTime.getAsLong());
        } else {
            out.println(line);
            out.flush();
        }
    }

    /** Ends the current phase, if one is under way, with its final line. */
    public synchronized void finish() {
        if (!active) {
            return;
        }
        active = false;
        long now = nanoTime.getAsLong();
        String line = finalLine(now);
        if (style == Style.TERMINAL) {
            clear();
        }
        out.println(line);
        out.flush();
    }

    @Override
    public void close() {
        finish();
    }

    private void set(long done, long total) {
        this.done = done;
        this.total = total;
        long now = nanoTime.getAsLong();
        long[] newest = samples.peekLast();
        if (newest == null || now - newest[0] >= SAMPLE_NANOS) {
            samples.addLast(new long[]{now, done});
        }
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_SECONDS * 1_000_000_000L) {
            samples.removeFirst();
        }
        long every = style == Style.TERMINAL ? TERMINAL_REFRESH_MILLIS * 1_000_000L
                : LINES_EVERY_SECONDS * 1_000_000_000L;
        if (now - shownNanos >= every) {
            shownNanos = now;
            if (style == Style.TERMINAL) {
                draw(now);
            } else {
                out.println(plainLine(now));
                out.flush();
            }
        }
    }

    /** Steps per second over the recent window; NaN before there is anything to measure. */
    double rate(long now) {
        long[] oldest = samples.peekFirst();
        if (oldest != null && now - oldest[0] >= 500_000_000L) {
            return (done - oldest[1]) * 1e9 / (now - oldest[0]);
        }
        long elapsed = now - startedNanos;
        return elapsed >= 500_000_000L ? done * 1e9 / elapsed : Double.NaN;
    }

    private String timeLeft(long now) {
        double rate = rate(now);
        if (total < 0 || !(rate > 0)) {
            return "";
        }
        return duration(Math.max(0, total - done) / rate) + " left";
    }

    String terminalLine(long now) {
        StringBuilder line = new StringBuilder(name).append("  ");
        if (total >= 0) {
            int filled = total == 0 ? BAR_WIDTH : (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
            line.append('[').append("█".repeat(filled)).append("░".repeat(BAR_WIDTH - filled)).append("]  ")
                    .append(count(done)).append('/').append(count(total)).append("  ").append(percent())
                    .append("%");
        } else {
            line.append(count(done));
        }
        append(line, "  ", rateText(now));
        append(line, "  ", total >= 0 ? timeLeft(now) : duration((now - startedNanos) / 1e9));
        append(line, "  ", detail);
        return line.toString();
    }

    String plainLine(long now) {
        StringBuilder line = new StringBuilder(name).append(": ").append(count(done));
        if (total >= 0) {
            line.append('/').append(count(total)).append(" (").append(percent()).append("%)");
        }
        append(line, ", ", rateText(now));
        append(line, ", ", total >= 0 ? timeLeft(now) : "");
        append(line, ", ", detail);
        return line.toString();
    }

    String finalLine(long now) {
        double seconds = (now - startedNanos) / 1e9;
        StringBuilder line = new StringBuilder(name).append(": ").append(count(done));
        if (total >= 0) {
            line.append('/').append(count(total));
        }
        line.append(" in ").append(duration(seconds));
        if (seconds >= 0.5) {
            line.append(" (").append(perSecond(done / seconds)).append(')');
        }
        append(line, ", ", detail);
        return line.toString();
    }

    private String rateText(long now) {
        double rate = rate(now);
        return Double.isNaN(rate) ? "" : perSecond(rate);
    }

    private static String perSecond(double rate) {
        return (rate >= 10 ? String.format(Locale.ROOT, "%,.0f", rate)
                : String.format(Locale.ROOT, "%.1f", rate)) + "/s";
    }

    private long percent() {
        return total <= 0 ? 100 : Math.min(100, done * 100 / total);
    }

    private static void append(StringBuilder line, String separator, String part) {
        if (!part.isEmpty()) {
            line.append(separator).append(part);
        }
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 0:07, 12:30, 1:02:03. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void draw(long now) {
        String line = terminalLine(now);
        // overwrite what is shown: back to the start of the line, the new text, blanks over any longer old text
        out.print("\r" + line + " ".repeat(Math.max(0, shownWidth - line.length())));
        out.flush();
        shownWidth = line.length();
    }

    private void clear() {
        if (shownWidth > 0) {
            out.print("\r" + " ".repeat(shownWidth) + "\r");
            shownWidth = 0;
        }
    }
}
