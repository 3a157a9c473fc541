package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.config.SidecarConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the tracker applies to one aggregate type: its combined policy, its sweep schedule, and how much a stream
 * must grow after a TOO_LARGE result before it is asked for again.
 */
public record TypeRules(SnapshotPolicy policy, Optional<SweepSchedule> sweep, long growthAfterTooLarge) {

    public static TypeRules of(SnapshotPolicy policy) {
        return new TypeRules(policy, Optional.empty(), 1);
    }

    /** The combination the configuration asks for: any of its rules, held back by the minimum interval. */
    public static TypeRules of(SidecarConfig.Policy config) {
        if (config.never()) {
            return new TypeRules(NeverPolicy.INSTANCE, Optional.empty(), 1);
        }
        SidecarConfig.Thresholds thresholds = config.thresholds();
        SidecarConfig.Schedule schedule = config.schedule();
        SidecarConfig.Timing timing = config.timing();
        List<SnapshotPolicy> rules = new ArrayList<>();
        if (thresholds.onEverySave()) {
            rules.add(OnEverySavePolicy.INSTANCE);
        } else if (thresholds.everyNEvents() > 0) {
            rules.add(new EveryNEventsPolicy(thresholds.everyNEvents()));
        }
        Optional<SweepSchedule> sweep = schedule.interval().<SweepSchedule>map(SweepSchedule.Interval::new)
                .or(() -> schedule.window().map(w -> new SweepSchedule.Daily(w, schedule.timeZone())));
        sweep.ifPresent(s -> rules.add(new ScheduledSweepPolicy(schedule.minEvents())));
        timing.idleAfter().ifPresent(idle -> rules.add(new IdlePolicy(idle)));
        SnapshotPolicy any = rules.size() == 1 ? rules.get(0) : new AnyOfPolicy(rules);
        SnapshotPolicy policy = timing.minInterval().<SnapshotPolicy>map(i -> new MinimumIntervalPolicy(any, i))
                .orElse(any);
        long growth = thresholds.onEverySave() ? 1 : thresholds.everyNEvents() > 0 ? thresholds.everyNEvents()
                : schedule.minEvents();
        return new TypeRules(policy, sweep, Math.max(1, growth));
    }
}
