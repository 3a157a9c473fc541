package dev.snapshotsidecar.fault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one run, as {@code target/fault/report.json} and a Markdown table in {@code target/fault/report.md},
 * and the list of checks the test asserts. Built once after the run; immutable after {@link #build}.
 */
final class FaultReport {
    /** One guarantee checked: passes when {@code actual} equals {@code expected}. */
    record Check(String name, String expected, String actual, boolean pass, List<String> evidence) {
    }

    final Map<String, Object> json = new LinkedHashMap<>();
    private FaultRun run;
    final List<Check> checks = new ArrayList<>();

    static FaultReport build(FaultRun run, long elapsedMillis, Catchup.Result settled, Oracle.Verdict verdict,
                             DeadLetters.Matched dlq, BuildSpans.Overlaps workerSpans, BuildSpans.Overlaps folds,
                             Map<String, String> health, Map<String, Object> meters, Map<String, Object> logs) {
        FaultReport r = new FaultReport();
        r.run = run;
        Workload w = run.workload;
        Map<String, Long> faultCounts = new TreeMap<>();
        FaultRun.KINDS.forEach(k -> faultCounts.put(k, 0L));
        run.faults.stream().filter(f -> !f.kind().equals("baseline")).forEach(f -> faultCounts.merge(f.kind(), 1L, Long::sum));
        Map<String, StreamState> streams = w.streams();

        r.json.put("seed", run.settings.seed());
        r.json.put("variant", run.settings.chaos() ? "chaos" : "ci");
        r.json.put("startedAt", Instant.ofEpochMilli(run.startedAt).toString());
        r.json.put("elapsedSeconds", elapsedMillis / 1000);
        Map<String, Object> workload = new LinkedHashMap<>();
        workload.put("streamIds", streams.size());
        workload.put("streamsWritten", streams.values().stream().filter(s -> s.head >= 0 || s.erased).count());
        workload.put("events", w.events.get());
        workload.put("appendTransactions", w.appends.get());
        workload.put("crossings", w.crossings.get());
        workload.put("erasures", w.erasures.get());
        workload.put("recreations", w.recreations.get());
        workload.put("archives", w.archives.get());
        workload.put("archivedEvents", w.archivedEvents.get());
        workload.put("replaysSent", w.replaysSent.get());
        workload.put("replaysDelivered", w.replaysDelivered.get());
        workload.put("replaysFailed", w.replaysFailed.get());
        workload.put("writerErrors", w.writerErrors.get());
        workload.put("actionsPerSecond", run.settings.actionsPerSecond());
        r.json.put("workload", workload);
        r.json.put("faultsInjected", faultCounts);
        r.json.put("faults", run.faults);
        r.json.put("checkpoints", run.checkpoints);
        r.json.put("settle", settled);
        Map<String, Object> oracle = new LinkedHashMap<>();
        oracle.put("snapshotsChecked", verdict.snapshotsChecked());
        oracle.put("liveStreams", verdict.liveStreams());
        oracle.put("erasedStreams", verdict.erasedStreams());
        oracle.put("wrongSnapshots", verdict.wrong().size());
        oracle.put("staleIncarnationSnapshots", verdict.staleIncarnation());
        oracle.put("wrongExamples", verdict.wrong().stream().limit(20).toList());
        oracle.put("streamsStillDue", verdict.due().size());
        oracle.put("streamsStillDueByHistory", byHistory(verdict.due()));
        oracle.put("dueExamples", verdict.due().stream().limit(20).toList());
        oracle.put("missedErasures", verdict.missedErasures().size());
        oracle.put("missedErasureRows", verdict.missedErasures().values().stream().mapToInt(Integer::intValue).sum());
        oracle.put("missedErasureExamples", verdict.missedErasures().entrySet().stream().limit(20)
                .map(e -> e.getKey() + " (" + e.getValue() + " rows)").toList());
        r.json.put("oracle", oracle);
        Map<String, Object> overlaps = new LinkedHashMap<>();
        overlaps.put("workerBuildSpans", workerSpans);
        overlaps.put("oracleFoldSpans", folds);
        r.json.put("overlappingBuilds", overlaps);
        r.json.put("deadLetters", dlq);
        Map<String, Object> processes = new LinkedHashMap<>();
        List<String> exits = new ArrayList<>();
        run.sidecars.forEach(s -> exits.addAll(s.unexpectedExits()));
        processes.put("unexpectedExits", exits);
        processes.put("healthAtEnd", health);
        processes.put("metersAtEnd", meters);
        processes.put("logs", logs);
        r.json.put("sidecars", processes);

        java.util.function.Function<String, String> history = id -> {
            List<StreamState.Lifecycle> log = streams.get(id) == null ? List.of() : streams.get(id).lifecycleLog;
            return log.isEmpty() ? "" : "; " + String.join("; ", log.stream()
                    .map(l -> l.what() + " at " + run.when(l.at())).toList());
        };
        // wrong rows seen at a checkpoint count too: a later erasure may have deleted them
        Map<String, Oracle.Wrong> wrong = new TreeMap<>();
        run.checkpointVerdicts.forEach(v -> v.wrong().forEach(x -> wrong.putIfAbsent(x.stream() + "@" + x.version(), x)));
        verdict.wrong().forEach(x -> wrong.put(x.stream() + "@" + x.version(), x));
        oracle.put("wrongSnapshotsIncludingCheckpoints", wrong.size());
        r.check("wrong snapshots (final verdict and checkpoints)", 0, wrong.size(), wrong.values().stream().limit(8)
                .map(x -> x.stream() + "@" + x.version() + ": " + x.why() + history.apply(x.stream())).toList());
        r.check("lost crossings (live streams still due after settling)", 0, verdict.due().size(),
                verdict.due().stream().limit(8).map(d -> {
                    StreamState s = streams.get(d.stream());
                    // due since it reached the threshold, or since a lifecycle action (an archive that took its
                    // snapshots, a re-creation) if that came later
                    long since = s == null ? -1 : Math.max(s.reached(d.latest() + s.threshold),
                            s.lifecycleLog.isEmpty() ? -1 : s.lifecycleLog.get(s.lifecycleLog.size() - 1).at());
                    return d.stream() + " head " + d.head() + ", latest snapshot " + d.latest()
                            + (since < 0 ? "" : ", due since " + run.when(since)) + history.apply(d.stream());
                }).toList());
        r.check("missed erasures (erased streams that still have snapshots)", 0, verdict.missedErasures().size(),
                verdict.missedErasures().entrySet().stream().limit(8)
                        .map(e -> e.getKey() + ": " + e.getValue() + " rows" + history.apply(e.getKey())).toList());
        r.checks.add(new Check("build spans logged by the worker (dev.snapshotsidecar.build.spans)", "> 0",
                Integer.toString(workerSpans.spans()), workerSpans.spans() > 0, workerSpans.spans() > 0 ? List.of()
                : List.of("no 'build span stream=... start=... end=... outcome=...' line in any sidecar log:"
                + " overlapping builds cannot be measured from the worker")));
        r.check("overlapping builds across instances (worker spans)", 0, workerSpans.crossProcess(),
                workerSpans.examples());
        r.check("overlapping folds across instances (oracle fold trace)", 0, folds.crossProcess(), folds.examples());
        dlq.expected().forEach((role, expected) -> r.checks.add(new Check("dead letters of garbage on the " + role
                + " topic (seen/expected)", Integer.toString(expected), Integer.toString(dlq.seen().get(role)),
                dlq.seen().get(role).equals(expected), dlq.missingExamples().stream()
                .filter(m -> m.startsWith(role + " ")).toList())));
        r.check("newer versions' well-formed messages dead-lettered instead of tolerated (of " + dlq.tolerated()
                + " sent)", 0, dlq.toleratedDeadLettered(), List.of());
        return r;
    }

    private static Map<String, Integer> byHistory(List<Oracle.Due> due) {
        Map<String, Integer> counts = new TreeMap<>();
        due.forEach(d -> counts.merge(d.history().contains("archived") ? "archived"
                : d.history().contains("re-created") ? "re-created" : "appends only", 1, Integer::sum));
        return counts;
    }

    private void check(String name, long expected, long actual, List<String> evidence) {
        checks.add(new Check(name, Long.toString(expected), Long.toString(actual), expected == actual, evidence));
    }

    void write(Path directory) {
        json.put("checks", checks);
        try {
            Files.createDirectories(directory);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(directory.resolve("report.json").toFile(), json);
            Files.writeString(directory.resolve("report.md"), markdown());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fault report", e);
        }
    }

    @SuppressWarnings("unchecked")
    String markdown() {
        StringBuilder md = new StringBuilder();
        Map<String, Object> w = (Map<String, Object>) json.get("workload");
        md.append("# Fault suite report\n\n");
        md.append("Seed `").append(json.get("seed")).append("` (rerun with `-Dchaos.seed=").append(json.get("seed"))
                .append("`), variant ").append(json.get("variant")).append(", ").append(json.get("elapsedSeconds"))
                .append(" s.\n\n");
        md.append("| figure | value |\n|---|---|\n");
        ((Map<String, Long>) json.get("faultsInjected")).forEach((k, v) ->
                md.append("| faults injected: ").append(k).append(" | ").append(v).append(" |\n"));
        for (String k : List.of("events", "streamsWritten", "crossings", "erasures", "recreations", "archives",
                "archivedEvents", "replaysDelivered")) {
            md.append("| ").append(k).append(" | ").append(w.get(k)).append(" |\n");
        }
        Map<String, Object> o = (Map<String, Object>) json.get("oracle");
        for (String k : List.of("snapshotsChecked", "wrongSnapshots", "staleIncarnationSnapshots", "streamsStillDue",
                "missedErasures")) {
            md.append("| ").append(k).append(" | ").append(o.get(k)).append(" |\n");
        }
        Map<String, BuildSpans.Overlaps> ov = (Map<String, BuildSpans.Overlaps>) json.get("overlappingBuilds");
        ov.forEach((k, v) -> md.append("| overlapping builds (").append(k).append(", ").append(v.spans())
                .append(" spans) | ").append(v.crossProcess()).append(" across instances, ").append(v.sameProcess())
                .append(" within one |\n"));
        DeadLetters.Matched d = (DeadLetters.Matched) json.get("deadLetters");
        d.expected().forEach((role, e) -> md.append("| dead letters ").append(role).append(" (seen/expected) | ")
                .append(d.seen().get(role)).append(" / ").append(e).append(" |\n"));
        md.append("\n## Time to recover\n\n| fault | what | caught up after | ready after |\n|---|---|---|---|\n");
        for (FaultRecord f : (List<FaultRecord>) json.get("faults")) {
            Catchup.Result rec = f.recovery();
            md.append("| ").append(f.kind()).append(" | ").append(run.when(f.startedAt()).replaceAll(" \\[during.*", ""))
                    .append(": ").append(f.what()).append(" | ");
            md.append(rec.caughtUp() ? rec.afterMillis() + " ms" : "not caught up (" + rec.ended() + "; "
                            + rec.behindAtEnd() + " streams behind)")
                    .append(" | ").append(rec.readyAfterMillis() < 0 ? "not ready: " + rec.health()
                            : rec.readyAfterMillis() + " ms").append(" |\n");
        }
        md.append("\nCaught up: every crossing older than ").append(Catchup.GRACE.toSeconds())
                .append(" s has its snapshot (the time includes those ").append(Catchup.GRACE.toSeconds())
                .append(" s; the baseline is the floor under this load). Ready: since when every running sidecar has"
                        + " answered /health/ready with 200.\n");
        Map<String, Object> cps = (Map<String, Object>) json.get("checkpoints");
        if (!cps.isEmpty()) {
            md.append("\n## Checkpoints\n\n| checkpoint | settled | wrong snapshots | streams still due | missed erasures |"
                    + "\n|---|---|---|---|---|\n");
            cps.forEach((name, value) -> {
                Map<String, Object> cp = (Map<String, Object>) value;
                Catchup.Result settled = (Catchup.Result) cp.get("settle");
                Oracle.Verdict v = (Oracle.Verdict) cp.get("verdict");
                md.append("| ").append(name).append(" | ").append(settled.caughtUp() ? "yes" : "no (" + settled.ended()
                        + ")").append(" | ").append(v.wrong().size()).append(" | ").append(v.due().size())
                        .append(" | ").append(v.missedErasures().size()).append(" |\n");
            });
        }
        md.append("\n## Checks\n\n| check | expected | actual | result |\n|---|---|---|---|\n");
        for (Check c : checks) {
            md.append("| ").append(c.name()).append(" | ").append(c.expected()).append(" | ").append(c.actual())
                    .append(" | ").append(c.pass() ? "pass" : "**FAIL**").append(" |\n");
        }
        md.append('\n');
        for (Check c : checks) {
            if (!c.pass() && !c.evidence().isEmpty()) {
                md.append("- ").append(c.name()).append(":\n");
                c.evidence().forEach(e -> md.append("  - ").append(e).append('\n'));
            }
        }
        return md.toString();
    }
}
