package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.SnapshotStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * "Measure first": per aggregate type, how long streams are, how far the latest snapshot is behind, what a replay
 * costs at the fold speed measured here, and whether snapshots are worth it. Reads the events and snapshots tables
 * in bounded pages of one index range each; folds a small random sample of streams to measure the speed.
 */
public record StreamLengthReport(List<TypeReport> types) {
    static final int PAGE = 1000;

    /**
     * @param tailP95            p95 of events after the latest snapshot (the whole stream when it has none)
     * @param microsPerEvent     measured cost of reading and folding one event, from a sample of streams
     * @param replayP95Millis    estimated full replay of a p95-long stream at that cost
     */
    public record TypeReport(String type, LengthDistribution lengths, long tailP95, int sampled,
                             double microsPerEvent, double replayP95Millis, Recommendation recommendation,
                             TailCost tailCost) {
        public String verdict() {
            return recommendation.explain(lengths.percentile(95), replayP95Millis);
        }
    }

    /**
     * Measures how fast a type's fold runs: the microseconds per event of reading and folding the sampled streams
     * from their first event (0 when nothing was folded). Whatever the fold's kind; supplied by the command.
     */
    @FunctionalInterface
    public interface FoldSpeed {
        double microsPerEvent(String aggregateType, List<String> streamIds);
    }

    /**
     * What replaying the tails costs at the fold speed measured here, and what the type's replay-cost rule would do
     * with it.
     *
     * @param bytesPerEvent    mean size of the events folded to measure the speed (payload and metadata)
     * @param p95Millis        p95 of the estimated replay of the events after each stream's latest snapshot
     * @param limit            the type's replay-cost-above, when it has one
     * @param eventsAtLimit    events after a snapshot that reach the limit at this speed (0 without a limit)
     * @param streamsOverLimit streams whose tail is over the limit now: due at once under that rule
     */
    public record TailCost(double bytesPerEvent, double p95Millis, Optional<Duration> limit, long eventsAtLimit,
                           int streamsOverLimit) {
    }

    public static StreamLengthReport measure(SidecarConfig config, DialectStores stores, FoldSpeed foldSpeed,
                                             int samplePerType) {
        return measure(config, stores, foldSpeed, samplePerType, WorkProgress.NONE);
    }

    /**
     * As {@link #measure(SidecarConfig, DialectStores, FoldSpeed, int)}, reporting its three phases to
     * {@code progress}: streams read from the events table, latest snapshots read, each type's sample folded.
     */
    public static StreamLengthReport measure(SidecarConfig config, DialectStores stores, FoldSpeed foldSpeed,
                                             int samplePerType, WorkProgress progress) {
        AggregateTypeResolver resolver = new AggregateTypeResolver(config.aggregateTypes());
        long first = config.database().firstVersion();
        Map<String, String> typeOf = new HashMap<>();
        Map<String, List<Long>> lengths = new LinkedHashMap<>();
        Map<String, Long> lastVersion = new HashMap<>();
        config.aggregateTypes().forEach(t -> lengths.put(t.name(), new ArrayList<>()));
        String after = "";
        List<EventReader.StreamLength> page;
        progress.phase("reading stream lengths", WorkProgress.UNKNOWN);
        while (!(page = stores.events().streamLengths(after, PAGE)).isEmpty()) {
            progress.advance(page.size());
            for (EventReader.StreamLength stream : page) {
                Optional<String> type = resolver.resolve(stream.streamId(), stream.typeValue());
                type.ifPresent(t -> {
                    typeOf.put(stream.streamId(), t);
                    lengths.get(t).add(stream.lastVersion() - first + 1);
                    lastVersion.put(stream.streamId(), stream.lastVersion());
                });
            }
            after = page.get(page.size() - 1).streamId();
        }
        Map<String, Long> snapshotOf = new HashMap<>();
        after = "";
        List<SnapshotStore.StreamVersion> snapshots;
        progress.phase("reading latest snapshots", WorkProgress.UNKNOWN);
        while (!(snapshots = stores.snapshots().latestVersions(after, PAGE)).isEmpty()) {
            progress.advance(snapshots.size());
            snapshots.forEach(s -> snapshotOf.put(s.streamId(), s.version()));
            after = snapshots.get(snapshots.size() - 1).streamId();
        }
        Map<String, List<Long>> tails = new HashMap<>();
        lastVersion.forEach((id, last) -> tails.computeIfAbsent(typeOf.get(id), t -> new ArrayList<>())
                .add(last - Math.max(snapshotOf.getOrDefault(id, first - 1), first - 1)));

        List<TypeReport> reports = new ArrayList<>();
        progress.phase("folding a sample of streams", config.aggregateTypes().stream()
                .mapToLong(t -> Math.min(samplePerType, lengths.get(t.name()).size())).sum());
        for (SidecarConfig.AggregateType type : config.aggregateTypes()) {
            LengthDistribution distribution = new LengthDistribution(
                    lengths.get(type.name()).stream().mapToLong(Long::longValue).toArray());
            LengthDistribution tail = new LengthDistribution(
                    tails.getOrDefault(type.name(), List.of()).stream().mapToLong(Long::longValue).toArray());
            List<String> ids = typeOf.entrySet().stream().filter(e -> e.getValue().equals(type.name()))
                    .map(Map.Entry::getKey).sorted().toList();
            List<String> sample = sample(ids, samplePerType);
            Speed speed = new Speed(sample.size(), sample.isEmpty() ? 0
                    : foldSpeed.microsPerEvent(type.name(), sample), bytesPerEvent(stores, sample, first));
            progress.advance(sample.size());
            double replayP95 = speed.microsPerEvent() * distribution.percentile(95) / 1000.0;
            reports.add(new TypeReport(type.name(), distribution, tail.percentile(95), speed.streams(),
                    speed.microsPerEvent(), replayP95, Recommendation.forP95(distribution.percentile(95)),
                    tailCost(speed, tail, type.policy().tail().replayCostAbove())));
        }
        return new StreamLengthReport(reports);
    }

    private record Speed(int streams, double microsPerEvent, double bytesPerEvent) {
    }

    private static TailCost tailCost(Speed speed, LengthDistribution tails, Optional<Duration> limit) {
        double p95 = speed.microsPerEvent() * tails.percentile(95) / 1000.0;
        if (limit.isEmpty() || speed.microsPerEvent() <= 0) {
            return new TailCost(speed.bytesPerEvent(), p95, limit, 0, 0);
        }
        long eventsAtLimit = (long) Math.ceil(limit.get().toMillis() * 1000.0 / speed.microsPerEvent());
        int over = (int) Arrays.stream(tails.sorted()).filter(events -> events >= eventsAtLimit).count();
        return new TailCost(speed.bytesPerEvent(), p95, limit, eventsAtLimit, over);
    }

    /** The mean size of the sampled streams' events, payload and metadata; read apart from the timed folds. */
    private static double bytesPerEvent(DialectStores stores, List<String> sample, long first) {
        long[] bytes = {0};
        long events = 0;
        for (String id : sample) {
            events += stores.events().read(id, first, Long.MAX_VALUE, event -> bytes[0] += utf8(event.data())
                    + event.metadata().map(StreamLengthReport::utf8).orElse(0));
        }
        return events == 0 ? 0 : (double) bytes[0] / events;
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static List<String> sample(List<String> ids, int n) {
        List<String> shuffled = new ArrayList<>(ids);
        java.util.Collections.shuffle(shuffled, new Random(7));
        return shuffled.subList(0, Math.min(n, shuffled.size()));
    }

    /** Terminal text: a table and a bar histogram per type. */
    public String text() {
        StringBuilder out = new StringBuilder();
        for (TypeReport t : types) {
            LengthDistribution d = t.lengths();
            out.append(String.format("%s: %,d streams   length p50 %,d  p95 %,d  p99 %,d  max %,d   events since "
                            + "latest snapshot p95 %,d%n", t.type(), d.count(), d.percentile(50), d.percentile(95),
                    d.percentile(99), d.max(), t.tailP95()));
            out.append(String.format("  fold speed %.1f µs/event, %.0f bytes/event (%d streams sampled): a p95 replay"
                            + " costs about %.1f ms; the tail after the latest snapshot p95 %.1f ms%n",
                    t.microsPerEvent(), t.tailCost().bytesPerEvent(), t.sampled(), t.replayP95Millis(),
                    t.tailCost().p95Millis()));
            t.tailCost().limit().ifPresent(limit -> out.append(String.format("  replay-cost-above %d ms: due about"
                            + " %,d events after a snapshot at this speed; %,d streams are over it now%n",
                    limit.toMillis(), t.tailCost().eventsAtLimit(), t.tailCost().streamsOverLimit())));
            long most = d.histogram().stream().mapToLong(LengthDistribution.Bucket::count).max().orElse(1);
            for (LengthDistribution.Bucket b : d.histogram()) {
                int width = most == 0 ? 0 : (int) Math.round(40.0 * b.count() / most);
                out.append(String.format("  %11s | %-40s %,d%n", b.label(), "█".repeat(width)
                        + (b.count() > 0 && width == 0 ? "▏" : ""), b.count()));
            }
            out.append("  ").append(t.recommendation()).append(": ").append(t.verdict()).append("\n\n");
        }
        return out.toString();
    }

    public String json() {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (TypeReport t : types) {
            ObjectNode node = array.addObject();
            LengthDistribution d = t.lengths();
            node.put("aggregateType", t.type());
            node.put("streams", d.count());
            node.put("p50", d.percentile(50));
            node.put("p95", d.percentile(95));
            node.put("p99", d.percentile(99));
            node.put("max", d.max());
            node.put("eventsSinceSnapshotP95", t.tailP95());
            node.put("microsPerEvent", Math.round(t.microsPerEvent() * 100) / 100.0);
            node.put("replayP95Millis", Math.round(t.replayP95Millis() * 100) / 100.0);
            node.put("bytesPerEvent", Math.round(t.tailCost().bytesPerEvent()));
            node.put("eventsSinceSnapshotReplayP95Millis", Math.round(t.tailCost().p95Millis() * 100) / 100.0);
            t.tailCost().limit().ifPresent(limit -> node.put("replayCostAboveMillis", limit.toMillis())
                    .put("eventsAtLimit", t.tailCost().eventsAtLimit())
                    .put("streamsOverLimit", t.tailCost().streamsOverLimit()));
            node.put("recommendation", t.recommendation().name());
            node.put("verdict", t.verdict());
            ArrayNode histogram = node.putArray("histogram");
            d.histogram().forEach(b -> histogram.addObject().put("range", b.label()).put("streams", b.count()));
        }
        return mapper.createObjectNode().set("aggregateTypes", array).toString();
    }

    /** A self-contained HTML page with one bar chart (inline SVG) per type. */
    public String html() {
        StringBuilder out = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<title>Stream lengths</title><style>body{font-family:sans-serif;margin:2em}"
                + "td,th{padding:2px 10px;text-align:right}.v{margin:.5em 0 2em}</style></head><body>"
                + "<h1>Stream lengths per aggregate type</h1>");
        for (TypeReport t : types) {
            LengthDistribution d = t.lengths();
            out.append("<h2>").append(escape(t.type())).append("</h2><table><tr><th>streams</th><th>p50</th>"
                    + "<th>p95</th><th>p99</th><th>max</th><th>since snapshot p95</th><th>replay p95</th></tr><tr>")
                    .append(String.format("<td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td>"
                                    + "<td>%.1f ms</td></tr></table>", d.count(), d.percentile(50), d.percentile(95),
                            d.percentile(99), d.max(), t.tailP95(), t.replayP95Millis()));
            List<LengthDistribution.Bucket> buckets = d.histogram();
            long most = Math.max(1, buckets.stream().mapToLong(LengthDistribution.Bucket::count).max().orElse(1));
            int barWidth = 60;
            out.append(String.format("<svg width=\"%d\" height=\"230\" role=\"img\" aria-label=\"histogram\">",
                    buckets.size() * (barWidth + 10) + 20));
            for (int i = 0; i < buckets.size(); i++) {
                LengthDistribution.Bucket b = buckets.get(i);
                int h = (int) Math.round(180.0 * b.count() / most);
                int x = 10 + i * (barWidth + 10);
                String color = b.from() >= 500 ? "#c0392b" : b.from() >= 200 ? "#e67e22" : "#2e86c1";
                out.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x,
                        190 - h, barWidth, h, color));
                out.append(String.format("<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%,d</text>",
                        x + barWidth / 2, 185 - h, b.count()));
                out.append(String.format("<text x=\"%d\" y=\"208\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                        x + barWidth / 2, b.label()));
            }
            out.append("</svg><p class=\"v\"><b>").append(t.recommendation()).append("</b>: ")
                    .append(escape(t.verdict())).append("</p>");
        }
        return out.append("</body></html>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
