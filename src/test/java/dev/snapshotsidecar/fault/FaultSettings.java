package dev.snapshotsidecar.fault;

import java.time.Duration;
import java.util.Map;

/**
 * What one run of the suite does, from system properties: the CI variant by default, the chaos variant with
 * {@code -Dchaos.mode=true} (the {@code chaos} Maven profile sets it). Immutable.
 *
 * @param seed             seeds the workload and the chaos schedule ({@code -Dchaos.seed}); printed at start
 * @param chaos            loop random faults for {@code duration} instead of the fixed CI schedule
 * @param duration         how long the chaos variant injects faults ({@code -Dchaos.duration}, e.g. 15m)
 * @param actionsPerSecond the writer's pace ({@code -Dchaos.rate})
 * @param streamsPerType   stream ids per aggregate type ({@code -Dchaos.streams})
 */
record FaultSettings(long seed, boolean chaos, Duration duration, int actionsPerSecond, int streamsPerType) {
    /** Every N events, per aggregate type: the thresholds the sidecars are configured with. */
    static final Map<String, Integer> THRESHOLDS = Map.of("ledger", 20, "cart", 25);
    /** worker.retry-give-up-after: the database cut lasts longer. */
    static final Duration GIVE_UP_AFTER = Duration.ofSeconds(10);

    static FaultSettings fromSystemProperties() {
        String seed = System.getProperty("chaos.seed", "");
        return new FaultSettings(seed.isBlank() ? System.nanoTime() ^ System.currentTimeMillis() : Long.parseLong(seed),
                Boolean.parseBoolean(System.getProperty("chaos.mode", "false")),
                parseDuration(System.getProperty("chaos.duration", "15m")),
                Integer.parseInt(System.getProperty("chaos.rate", "20")),
                Integer.parseInt(System.getProperty("chaos.streams", "150")));
    }

    /** {@code 90s}, {@code 15m}, {@code 2h}, or ISO-8601 ({@code PT15M}). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("pt")) {
            return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
        }
        long amount = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            default -> throw new IllegalArgumentException("chaos.duration must end in s, m or h: " + text);
        };
    }

    /** How long to wait for the pipeline to catch up after a fault before calling it not recovered. */
    Duration recoveryDeadline() {
        return chaos ? Duration.ofMinutes(3) : Duration.ofSeconds(75);
    }

    /** How long the final settling may take. */
    Duration settleDeadline() {
        return chaos ? Duration.ofMinutes(5) : Duration.ofSeconds(60);
    }

    /** No progress for this long ends a wait early: a stall is a finding, not something to wait out. */
    Duration stallWindow() {
        return chaos ? Duration.ofSeconds(60) : Duration.ofSeconds(20);
    }
}
