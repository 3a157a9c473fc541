package dev.snapshotsidecar.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Build intervals per process, and the overlaps among them: two spans of one stream whose intervals intersect (strictly:
 * one ending in the millisecond the other starts does not count). Two sources:
 * <ul>
 *   <li>the worker's own line on logger {@code dev.snapshotsidecar.build.spans}, one per build:
 *       {@code build span stream=<id> start=<epochMillis> end=<epochMillis> outcome=<OUTCOME>}, in each process's log;</li>
 *   <li>the oracle aggregate's fold trace ({@link DigestChainAggregator}): one line per event folded; a fold's span runs
 *       from its first event's start to its last event's end. It sees only folds with at least one event, but needs
 *       nothing from the product.</li>
 * </ul>
 * Pure functions over the files; a process is one file (one generation of one sidecar).
 */
final class BuildSpans {
    static final Pattern SPAN = Pattern.compile("build span stream=(\\S+) start=(\\d+) end=(\\d+) outcome=(\\S+)");

    /** One build of one stream in one process. */
    record Span(String process, String stream, long start, long end, String outcome) {
    }

    /**
     * @param spans          spans read
     * @param crossProcess   pairs of spans of one stream from different processes that intersect
     * @param sameProcess    pairs from the same process that intersect (single-flight within one instance)
     * @param examples       a few of the pairs, described
     */
    record Overlaps(int spans, int crossProcess, int sameProcess, List<String> examples) {
    }

    private BuildSpans() {
    }

    /** The worker's span lines in every {@code *.log} of {@code directory}. */
    static List<Span> fromLogs(Path directory) {
        List<Span> spans = new ArrayList<>();
        for (Path file : files(directory, ".log")) {
            String process = name(file, ".log");
            for (String line : lines(file)) {
                Matcher m = SPAN.matcher(line);
                if (m.find()) {
                    spans.add(new Span(process, m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                            m.group(4)));
                }
            }
        }
        return spans;
    }

    /** The folds in every {@code *.trace} of {@code directory}. */
    static List<Span> fromFoldTraces(Path directory) {
        List<Span> spans = new ArrayList<>();
        for (Path file : files(directory, ".trace")) {
            String process = name(file, ".trace");
            Map<String, long[]> folds = new HashMap<>(); // build number -> [start, end]
            Map<String, String> streams = new HashMap<>();
            for (String line : lines(file)) {
                String[] f = line.split(" ");
                if (f.length != 5) {
                    continue; // a line cut by SIGKILL
                }
                long start = Long.parseLong(f[3]);
                long end = Long.parseLong(f[4]);
                streams.putIfAbsent(f[0], f[1]);
                folds.merge(f[0], new long[]{start, end},
                        (a, b) -> new long[]{Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
            folds.forEach((build, interval) -> spans.add(
                    new Span(process, streams.get(build), interval[0], interval[1], "FOLD")));
        }
        return spans;
    }

    static Overlaps overlaps(List<Span> spans) {
        Map<String, List<Span>> byStream = new HashMap<>();
        spans.forEach(s -> byStream.computeIfAbsent(s.stream(), k -> new ArrayList<>()).add(s));
        int cross = 0;
        int same = 0;
        List<String> examples = new ArrayList<>();
        for (List<Span> list : byStream.values()) {
            list.sort(Comparator.comparingLong(Span::start));
            for (int i = 0; i < list.size(); i++) {
                Span a = list.get(i);
                for (int j = i + 1; j < list.size() && list.get(j).start() < a.end(); j++) {
                    Span b = list.get(j);
                    if (b.start() >= a.end() || a.start() >= b.end()) {
                        continue;
                    }
                    boolean sameProcess = a.process().equals(b.process());
                    if (sameProcess) {
                        same++;
                    } else {
                        cross++;
                    }
                    if (examples.size() < 10) {
                        examples.add(a.stream() + ": " + describe(a) + " and " + describe(b)
                                + (sameProcess ? " (same process)" : ""));
                    }
                }
            }
        }
        return new Overlaps(spans.size(), cross, same, examples);
    }

    private static String describe(Span s) {
        return s.process() + " [" + s.start() + ", " + s.end() + ") " + s.outcome();
    }

    private static List<Path> files(Path directory, String suffix) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(directory)) {
            return list.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            try {
                return List.of(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .split("\n"));
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String name(Path file, String suffix) {
        String n = file.getFileName().toString();
        return n.substring(0, n.length() - suffix.length());
    }
}
