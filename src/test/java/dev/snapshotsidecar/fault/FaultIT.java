package dev.snapshotsidecar.fault;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fault-injection suite: real PostgreSQL, a real broker, the real Debezium connector and the sidecar as real
 * child processes, under a seeded workload, while sidecars are killed, the database is cut, the broker restarts,
 * instances join and leave during slow builds, and garbage lands on every topic the sidecar reads. After settling,
 * an oracle of its own (a digest chain over every event, see {@link DigestChainAggregator}) checks every snapshot
 * ever written, and the run's figures go to {@code target/fault/report.json} and {@code report.md}.
 *
 * <p>{@code ./mvnw verify} runs the fixed CI schedule (each fault kind at least once, a few minutes);
 * {@code ./mvnw -Pchaos verify -Dchaos.duration=15m [-Dchaos.seed=N]} loops random faults for as long as asked.
 * See RELIABILITY.md.
 */
class FaultIT {
    private static final Pattern LEVEL = Pattern.compile("^\\S+ (ERROR|WARN) +\\[[^]]*] (\\S+) - (.{0,140})");

    @Test
    @DisplayName("under kills, a database cut, a broker restart, instances joining and leaving and garbage, the guarantees hold")
    void guaranteesHoldUnderFaults() {
        FaultSettings settings = FaultSettings.fromSystemProperties();
        System.out.printf("FaultIT seed %d (rerun with -Dchaos.seed=%d), variant %s%s%n", settings.seed(),
                settings.seed(), settings.chaos() ? "chaos" : "ci",
                settings.chaos() ? ", duration " + settings.duration() : "");
        long started = System.nanoTime();
        FaultReport report;
        try (FaultRun run = new FaultRun(settings)) {
            run.begin();
            if (settings.chaos()) {
                run.chaosSchedule();
            } else {
                run.ciSchedule();
            }
            run.workload.stop();
            Catchup.Result settled = Catchup.settle(run.stack, run.workload, run.runningNow(),
                    settings.settleDeadline(), settings.stallWindow());
            System.out.println("settling: " + settled.describe());
            Oracle.Verdict verdict = run.judge();
            DeadLetters.Matched dlq = DeadLetters.match(run.garbage.sent(), run.garbage.topics(),
                    DeadLetters.read(run.stack.broker.bootstrapServers(), run.stack.topic("dead-letters"),
                            Duration.ofSeconds(60)));
            Path root = run.stack.root;
            BuildSpans.Overlaps workerSpans = BuildSpans.overlaps(BuildSpans.fromLogs(root.resolve("logs")));
            BuildSpans.Overlaps folds = BuildSpans.overlaps(BuildSpans.fromFoldTraces(root.resolve("traces")));
            Map<String, String> health = Catchup.health(run.running());
            Map<String, Object> meters = new TreeMap<>();
            run.running().forEach(s -> meters.put(s.generationName(), s.sidecarMeters()));
            report = FaultReport.build(run, (System.nanoTime() - started) / 1_000_000, settled, verdict, dlq,
                    workerSpans, folds, health, meters, logSummary(root.resolve("logs")));
            report.write(root);
            System.out.println(report.markdown());

            SoftAssertions soft = new SoftAssertions();
            // the harness itself: each fault kind injected, crossings produced, snapshots to check, folds traced
            for (String kind : FaultRun.KINDS) {
                soft.assertThat(run.faults.stream().filter(f -> f.kind().equals(kind)).count())
                        .as("fault kind %s injected", kind).isGreaterThanOrEqualTo(1);
            }
            soft.assertThat(run.workload.crossings.get()).as("threshold crossings the workload produced").isPositive();
            soft.assertThat(verdict.snapshotsChecked()).as("snapshots the oracle checked").isPositive();
            soft.assertThat(folds.spans()).as("folds traced by the oracle aggregate").isPositive();
            for (FaultReport.Check check : report.checks) {
                soft.assertThat(check.pass()).as("%s: expected %s, actual %s; evidence: %s", check.name(),
                        check.expected(), check.actual(), check.evidence()).isTrue();
            }
            soft.assertAll();
        }
    }

    /** Per process log: ERROR and WARN lines counted, and the first few distinct ERROR messages (trimmed). */
    static Map<String, Object> logSummary(Path logs) {
        Map<String, Object> summary = new TreeMap<>();
        if (!Files.isDirectory(logs)) {
            return summary;
        }
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                int errors = 0;
                int warnings = 0;
                Map<String, Integer> distinct = new LinkedHashMap<>();
                for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
                    Matcher m = LEVEL.matcher(line);
                    if (!m.find()) {
                        continue;
                    }
                    if (m.group(1).equals("ERROR")) {
                        errors++;
                        String key = m.group(2) + ": " + m.group(3).replaceAll("\\d+", "N");
                        if (distinct.size() < 6 || distinct.containsKey(key)) {
                            distinct.merge(key, 1, Integer::sum);
                        }
                    } else {
                        warnings++;
                    }
                }
                String name = file.getFileName().toString();
                summary.put(name.substring(0, name.length() - 4),
                        Map.of("errors", errors, "warnings", warnings, "errorMessages", distinct));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return summary;
    }
}
