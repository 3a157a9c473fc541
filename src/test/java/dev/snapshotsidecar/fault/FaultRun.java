package dev.snapshotsidecar.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One run of the fault suite: the stack, one sidecar (two more join and leave), the workload, the faults on a schedule
 * (fixed for CI, random and as long as asked for chaos), then settling and the oracle's verdict. Everything the run
 * saw is kept for {@link FaultReport}. Driven by the one test thread; {@link #close()} stops every process it started.
 */
final class FaultRun implements AutoCloseable {
    static final String KILL = "sidecar-kill";
    static final String KILL_STATE = "sidecar-kill-state-deleted";
    static final String DATABASE = "database-cut";
    static final String BROKER = "broker-restart";
    static final String SCALE = "instances-join-leave-slow-builds";
    static final String GARBAGE = "garbage";
    static final List<String> KINDS = List.of(KILL, KILL_STATE, DATABASE, BROKER, SCALE, GARBAGE);

    final FaultSettings settings;
    final long startedAt = System.currentTimeMillis();
    final FaultStack stack;
    final Workload workload;
    final Garbage garbage;
    final List<SidecarProcess> sidecars = new ArrayList<>();
    final List<FaultRecord> faults = new ArrayList<>();
    final Map<String, Object> checkpoints = new LinkedHashMap<>();
    /** The verdicts of the checkpoints, in order: a wrong snapshot they saw counts even if an erasure removed it later. */
    final List<Oracle.Verdict> checkpointVerdicts = new ArrayList<>();
    private final Random schedule;
    private final Thread reaper;

    FaultRun(FaultSettings settings) {
        this.settings = settings;
        this.schedule = new Random(settings.seed() * 31 + 7);
        this.stack = FaultStack.start(Path.of("target", "fault"), "fault-" + Long.toHexString(settings.seed() & 0xffffffL));
        for (int i = 1; i <= 3; i++) {
            sidecars.add(new SidecarProcess("sidecar-" + i, stack));
        }
        // a test JVM that dies must not leave its sidecars running
        this.reaper = new Thread(() -> sidecars.forEach(SidecarProcess::kill), "fault-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            this.workload = new Workload(stack, settings.seed(), settings.streamsPerType(), settings.actionsPerSecond());
        } catch (RuntimeException e) {
            Runtime.getRuntime().removeShutdownHook(reaper);
            stack.close();
            throw e;
        }
        this.garbage = new Garbage(stack, settings.seed() ^ 0x5eed);
    }

    SidecarProcess sidecar(int n) {
        return sidecars.get(n - 1);
    }

    List<SidecarProcess> running() {
        return sidecars.stream().filter(SidecarProcess::running).toList();
    }

    Supplier<List<SidecarProcess>> runningNow() {
        return this::running;
    }

    /** The first sidecar, ready; then the workload. */
    void begin() {
        sidecar(1).start();
        awaitReady(List.of(sidecar(1)), Duration.ofSeconds(120));
        workload.start();
    }

    void ciSchedule() {
        runFor(Duration.ofSeconds(6));
        faults.add(new FaultRecord("baseline", "no fault: catching up under load", now(), now(), catchUp()));
        kill(false);
        cutDatabase(FaultSettings.GIVE_UP_AFTER.plusSeconds(5));
        scaleOutAndIn(60, 2, Duration.ofSeconds(5), true);
        restartBroker(Duration.ofSeconds(8));
        kill(true);
        // garbage last: a reader that dies on it would hide what the other faults did
        checkpoint("before garbage");
        garbage();
        runFor(Duration.ofSeconds(3));
    }

    /** Every kind once in a shuffled order, then random ones, until the duration is spent. */
    void chaosSchedule() {
        long end = System.nanoTime() + settings.duration().toNanos();
        runFor(Duration.ofSeconds(10));
        faults.add(new FaultRecord("baseline", "no fault: catching up under load", now(), now(), catchUp()));
        List<String> order = new ArrayList<>(KINDS);
        Collections.shuffle(order, schedule);
        while (!order.isEmpty() || System.nanoTime() < end) { // one of each kind, however short the duration
            String kind = order.isEmpty() ? KINDS.get(schedule.nextInt(KINDS.size())) : order.remove(0);
            switch (kind) {
                case KILL -> kill(false);
                case KILL_STATE -> kill(true);
                case DATABASE -> cutDatabase(FaultSettings.GIVE_UP_AFTER.plusSeconds(2 + schedule.nextInt(20)));
                case BROKER -> restartBroker(Duration.ofSeconds(5 + schedule.nextInt(25)));
                case SCALE -> scaleOutAndIn(20 + schedule.nextInt(100), 1 + schedule.nextInt(2),
                        Duration.ofSeconds(5 + schedule.nextInt(20)), schedule.nextBoolean());
                case GARBAGE -> garbage();
                default -> throw new IllegalStateException(kind);
            }
            runFor(Duration.ofSeconds(5 + schedule.nextInt(16)));
        }
    }

    /** (a) SIGKILL of sidecar-1 and a restart, optionally with its state directory deleted in between. */
    void kill(boolean deleteState) {
        SidecarProcess victim = sidecar(1);
        long start = now();
        String generation = victim.generationName();
        victim.kill();
        if (deleteState) {
            victim.deleteState();
        }
        victim.start();
        record(deleteState ? KILL_STATE : KILL, generation + " killed (SIGKILL)"
                + (deleteState ? ", its state directory deleted," : "") + " and restarted as "
                + victim.generationName(), start);
    }

    /** (b) The sidecars' database connections cut at the proxy for longer than worker.retry-give-up-after. */
    void cutDatabase(Duration length) {
        long start = now();
        stack.databaseProxy.cut();
        runFor(length);
        stack.databaseProxy.restore();
        record(DATABASE, "sidecars' database cut for " + length.toSeconds() + " s (worker.retry-give-up-after "
                + FaultSettings.GIVE_UP_AFTER.toSeconds() + " s); the workload kept writing", start);
    }

    /** (c) The broker stopped and started again on the same data and ports. */
    void restartBroker(Duration down) {
        long start = now();
        stack.broker.stop();
        runFor(down);
        stack.broker.start();
        record(BROKER, "broker stopped for " + down.toSeconds() + " s and restarted", start);
    }

    /**
     * (d) While builds are slow, {@code joiners} more instances of the same application join; once each has folded
     * something (it holds partitions of the requests topic), after {@code hold} they leave: the first cleanly
     * (SIGTERM, builds in flight), the last by SIGKILL when {@code killLast}.
     */
    void scaleOutAndIn(int foldDelayMillis, int joiners, Duration hold, boolean killLast) {
        long start = now();
        setFoldDelay(foldDelayMillis);
        List<SidecarProcess> joining = new ArrayList<>();
        for (int i = 2; i < 2 + joiners; i++) {
            sidecar(i).start();
            joining.add(sidecar(i));
        }
        awaitReady(joining, Duration.ofSeconds(90));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!joining.stream().allMatch(SidecarProcess::hasFolded) && System.nanoTime() < deadline) {
            sleepFor(Duration.ofMillis(250));
        }
        List<String> idle = joining.stream().filter(p -> !p.hasFolded()).map(SidecarProcess::generationName).toList();
        long joinedAfter = now() - start;
        runFor(hold);
        List<String> how = new ArrayList<>();
        for (int i = 0; i < joining.size(); i++) {
            SidecarProcess leaving = joining.get(i);
            String generation = leaving.generationName();
            if (killLast && i == joining.size() - 1) {
                leaving.kill();
                how.add(generation + " killed (SIGKILL)");
            } else {
                leaving.stop();
                how.add(generation + " stopped (SIGTERM)");
            }
        }
        setFoldDelay(0);
        record(SCALE, joiners + " instance(s) joined while folds took " + foldDelayMillis + " ms/event, all building "
                + "after " + joinedAfter / 1000 + " s" + (idle.isEmpty() ? "" : " (never built: " + idle + ")")
                + ", held " + hold.toSeconds() + " s, then " + String.join(", ", how), start);
    }

    /** (e) Garbage on every topic the sidecar reads. */
    void garbage() {
        long start = now();
        garbage.sendRound(List.copyOf(workload.streams().keySet()));
        record(GARBAGE, "3 garbage records on each of " + new TreeMap<>(garbage.topics()).keySet()
                + " (not JSON, wrong shape, a newer version's message)", start);
    }

    /** Pauses the writer, settles, judges, resumes: a verdict before the next faults, to tell their effects apart. */
    void checkpoint(String name) {
        workload.pause(true);
        Catchup.Result settled = Catchup.settle(stack, workload, runningNow(), settings.settleDeadline(),
                settings.stallWindow());
        Oracle.Verdict verdict = judge();
        System.out.println("checkpoint " + name + ": " + settled.describe() + "; " + verdict.summary());
        checkpoints.put(name, Map.of("settle", settled, "verdict", verdict));
        checkpointVerdicts.add(verdict);
        workload.pause(false);
    }

    Oracle.Verdict judge() {
        try (Connection c = stack.connection()) {
            return Oracle.judge(c, stack, workload.streams());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot judge the database", e);
        }
    }

    private void record(String kind, String what, long start) {
        long end = now();
        System.out.printf("fault %s: %s%n", kind, what);
        Catchup.Result recovery = catchUp();
        System.out.printf("  -> %s%n", recovery.describe());
        faults.add(new FaultRecord(kind, what, start, end, recovery));
    }

    private Catchup.Result catchUp() {
        return Catchup.afterFault(stack, workload, runningNow(), settings.recoveryDeadline(), settings.stallWindow());
    }

    void setFoldDelay(int millis) {
        try {
            Files.writeString(stack.delayFile, Integer.toString(millis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(List<SidecarProcess> processes, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!processes.stream().allMatch(SidecarProcess::ready)) {
            if (System.nanoTime() > end) {
                System.out.println("not ready within " + deadline.toSeconds() + " s: "
                        + processes.stream().filter(p -> !p.ready()).map(p -> p.name).toList() + "; going on");
                return;
            }
            sleepFor(Duration.ofMillis(250));
        }
    }

    /** Lets the workload (and whatever fault is on) run for a while: a duration of load, not a wait for a condition. */
    static void runFor(Duration duration) {
        sleepFor(duration);
    }

    private static void sleepFor(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A moment as seconds since the run started, and the faults whose window held it. */
    String when(long epochMillis) {
        List<String> during = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            FaultRecord f = faults.get(i);
            if (!f.kind().equals("baseline") && epochMillis >= f.startedAt() && epochMillis <= windowEnd(i)) {
                during.add(f.kind() + (f.recovery().caughtUp() ? "" : " (not caught up)"));
            }
        }
        return String.format("+%.1f s%s", (epochMillis - startedAt) / 1000.0,
                during.isEmpty() ? "" : " [during " + String.join("; ", during) + "]");
    }

    /**
     * A fault's window lasts until the pipeline caught up after it; when it did not, until a later fault after which it
     * did (the pipeline was whole again by then), or to the end of the run.
     */
    private long windowEnd(int i) {
        for (int j = i; j < faults.size(); j++) {
            FaultRecord f = faults.get(j);
            if (f.recovery().caughtUp()) {
                return f.endedAt() + f.recovery().afterMillis();
            }
        }
        return Long.MAX_VALUE;
    }

    static long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void close() {
        try {
            workload.close();
        } finally {
            sidecars.forEach(SidecarProcess::kill);
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
            stack.close();
        }
    }
}
