package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.config.SidecarConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the tracker applies to one aggregate type: its combined policy, its sweep schedule, how much a stream must
 * grow after a TOO_LARGE result before it is asked for again, the event types it marks (snapshot after them), and
 * the fold speed it assumes before the worker has measured any build of the type.
 *
 * @param markedEventTypes    event types after which a stream is due (empty: none)
 * @param priorMicrosPerEvent the fold speed assumed before any measurement, in microseconds per event
 */
public record TypeRules(SnapshotPolicy policy, Optional<SweepSchedule> sweep, long growthAfterTooLarge,
                        Set<String> markedEventTypes, long priorMicrosPerEvent) {

    public TypeRules {
        markedEventTypes = Set.copyOf(markedEventTypes);
    }

    /** Rules with no marked event type and the default prior. */
    public TypeRules(SnapshotPolicy policy, Optional<SweepSchedule> sweep, long growthAfterTooLarge) {
        this(policy, sweep, growthAfterTooLarge, Set.of(), SidecarConfig.Tail.DEFAULT_PRIOR_MICROS_PER_EVENT);
    }

    public static TypeRules of(SnapshotPolicy policy) {
        return new TypeRules(policy, Optional.empty(), 1);
    }

    /** Whether an event of this type makes a stream of the aggregate type due. */
    public boolean marks(String eventType) {
        return markedEventTypes.contains(eventType);
    }

    /** The combination the configuration asks for: any of its rules, held back by the minimum interval. */
    public static TypeRules of(SidecarConfig.Policy config) {
        SidecarConfig.Tail tail = config.tail();
        if (config.never()) {
            return new TypeRules(NeverPolicy.INSTANCE, Optional.empty(), 1, Set.of(), tail.priorMicrosPerEvent());
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
        if (!tail.afterEventTypes().isEmpty()) {
            rules.add(new AfterEventTypesPolicy(tail.afterEventTypes()));
        }
        tail.replayCostAbove().ifPresent(limit -> rules.add(new ReplayCostPolicy(limit)));
        Optional<SweepSchedule> sweep = schedule.interval().<SweepSchedule>map(SweepSchedule.Interval::new)
                .or(() -> schedule.window().map(w -> new SweepSchedule.Daily(w, schedule.timeZone())));
        sweep.ifPresent(s -> rules.add(new ScheduledSweepPolicy(schedule.minEvents())));
        timing.idleAfter().ifPresent(idle -> rules.add(new IdlePolicy(idle)));
        SnapshotPolicy any = rules.size() == 1 ? rules.get(0) : new AnyOfPolicy(rules);
        SnapshotPolicy policy = timing.minInterval().<SnapshotPolicy>map(i -> new MinimumIntervalPolicy(any, i))
                .orElse(any);
        long growth = thresholds.onEverySave() ? 1 : thresholds.everyNEvents() > 0 ? thresholds.everyNEvents()
                : schedule.minEvents();
        return new TypeRules(policy, sweep, Math.max(1, growth), tail.afterEventTypes(), tail.priorMicrosPerEvent());
    }
}
