package dev.snapshotsidecar.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress display on a clock the test moves: what a terminal and a log see. */
class ProgressTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final StringWriter written = new StringWriter();

    Progress progress(Progress.Style style) {
        return new Progress(new PrintWriter(written, true), style, nanos::get);
    }

    void seconds(double s) {
        nanos.addAndGet((long) (s * 1e9));
    }

    List<String> shownLines() {
        return Arrays.stream(written.toString().split("\n")).filter(l -> !l.isBlank()).toList();
    }

    @Test
    @DisplayName("plain lines: one every 10 s with done, total, rate and time left, and a last line per phase")
    void lines() {
        try (Progress progress = progress(Progress.Style.LINES)) {
            progress.phase("verifying", 1000);
            for (int i = 0; i < 99; i++) {
                seconds(0.1);
                progress.advance(1);
            }
            assertThat(written.toString()).as("nothing before 10 s").isEmpty();
            for (int i = 0; i < 101; i++) {
                seconds(0.1);
                progress.advance(1);
            }
            assertThat(shownLines()).containsExactly("verifying: 100/1,000 (10%), 10/s, 1:30 left",
                    "verifying: 200/1,000 (20%), 10/s, 1:20 left");
            progress.detail("1 mismatch");
            progress.advance(800);
        }
        assertThat(shownLines()).hasSize(3).last().isEqualTo("verifying: 1,000/1,000 in 0:20 (50/s), 1 mismatch");
        assertThat(written.toString()).doesNotContain("\r");
    }

    @Test
    @DisplayName("a terminal gets one line redrawn in place with a bar; the phase ends with a plain last line")
    void terminal() {
        Progress progress = progress(Progress.Style.TERMINAL);
        progress.phase("reading stream lengths", Progress.UNKNOWN);
        seconds(2);
        progress.advance(4000);
        assertThat(written.toString()).endsWith("\rreading stream lengths  4,000  2,000/s  0:02");
        progress.phase("folding a sample", 40);
        seconds(1);
        progress.advance(10);
        assertThat(written.toString()).contains("reading stream lengths: 4,000 in 0:02 (2,000/s)\n")
                .endsWith("folding a sample  [█████░░░░░░░░░░░░░░░]  10/40  25%  10/s  0:03 left");
        progress.note("a type has no aggregator");
        progress.finish();
        String[] shown = written.toString().split("\n");
        assertThat(shown[shown.length - 2]).endsWith("a type has no aggregator");
        assertThat(shown[shown.length - 1]).endsWith("folding a sample: 10/40 in 0:01 (10/s)");
    }

    @Test
    @DisplayName("a terminal is redrawn at most every 100 ms, and a shorter line blanks out the longer one before it")
    void redraws() {
        Progress progress = progress(Progress.Style.TERMINAL);
        progress.phase("rebuilding patient", 10_000);
        int before = written.toString().length();
        for (int i = 0; i < 50; i++) {
            seconds(0.001);
            progress.advance(1);
        }
        assertThat(written.toString().length()).as("not redrawn within 100 ms").isEqualTo(before);
        seconds(0.1);
        progress.update(9_000, 10_000);
        String longer = written.toString();
        seconds(0.2);
        progress.update(9_001, 12);
        String last = written.toString().substring(longer.length());
        int previousWidth = longer.substring(longer.lastIndexOf('\r') + 1).length();
        assertThat(last).startsWith("\r").hasSizeGreaterThanOrEqualTo(previousWidth + 1);
    }

    @Test
    @DisplayName("the rate follows the last 10 s, so time left follows a slowdown")
    void recentRate() {
        Progress progress = progress(Progress.Style.LINES);
        progress.phase("rebuilding", 10_000);
        for (int i = 0; i < 20; i++) {
            seconds(1);
            progress.advance(100); // 100/s
        }
        for (int i = 0; i < 20; i++) {
            seconds(1);
            progress.advance(10); // then 10/s
        }
        assertThat(progress.rate(nanos.get())).isBetween(9.0, 11.0);
        assertThat(progress.plainLine(nanos.get())).isEqualTo("rebuilding: 2,200/10,000 (22%), 10/s, 13:00 left");
    }

    @Test
    @DisplayName("durations read as m:ss or h:mm:ss")
    void durations() {
        assertThat(Progress.duration(7)).isEqualTo("0:07");
        assertThat(Progress.duration(750)).isEqualTo("12:30");
        assertThat(Progress.duration(3723)).isEqualTo("1:02:03");
    }

    @Test
    @DisplayName("--json or no console means plain lines")
    void styleForCommand() {
        assertThat(Progress.forCommand(new PrintWriter(new StringWriter()), true).style())
                .isEqualTo(Progress.Style.LINES);
        // the test JVM has no console: its output is redirected
        assertThat(Progress.forCommand(new PrintWriter(new StringWriter()), false).style())
                .isEqualTo(Progress.Style.LINES);
    }
}
