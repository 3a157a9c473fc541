package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.track.RebuildProgress;

import java.time.Instant;
import java.util.List;

/**
 * The body of {@code GET /rebuilds/{type}}: a rebuild's progress over the tracker tasks of every instance, and
 * whether it is complete, as JSON; and an instance's share of it read back. Immutable.
 *
 * @param requestedAt  the rebuild asked about: the time of its command ({@link Instant#EPOCH}: whichever rebuild
 *                     each task holds)
 * @param trackerTasks how many tasks the tracker has (its partitions): the rebuild is complete only once all of them
 *                     are counted
 * @param unreachable  instances that did not answer, as host:port
 */
public record RebuildProgressView(RebuildProgress progress, Instant requestedAt, int trackerTasks,
                                  List<String> unreachable) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public RebuildProgressView {
        unreachable = List.copyOf(unreachable);
    }

    /** Every task answered, has asked for every stream, and every request sent has been answered. */
    public boolean complete() {
        return unreachable.isEmpty() && progress.tasks() >= trackerTasks && progress.complete();
    }

    public ObjectNode json() {
        ObjectNode body = JSON.createObjectNode().put("aggregateType", progress.aggregateType())
                .put("requestedAt", requestedAt.equals(Instant.EPOCH) ? null : requestedAt.toString())
                .put("complete", complete());
        body.putObject("tasks").put("expected", trackerTasks).put("counted", progress.tasks())
                .put("waiting", progress.waiting()).put("walking", progress.walking())
                .put("finished", progress.finished());
        body.putObject("streams").put("total", progress.streams()).put("requested", progress.requested())
                .put("answered", progress.answered()).put("pending", progress.pending())
                .put("failing", progress.failing());
        unreachable.forEach(body.putArray("unreachableInstances")::add);
        return body;
    }

    /** Another instance's share, from its {@link #json()}. */
    static RebuildProgress share(JsonNode body) {
        JsonNode tasks = body.path("tasks");
        JsonNode streams = body.path("streams");
        return new RebuildProgress(body.path("aggregateType").asText(), tasks.path("counted").asInt(),
                tasks.path("waiting").asInt(), tasks.path("walking").asInt(), tasks.path("finished").asInt(),
                streams.path("total").asLong(), streams.path("requested").asLong(), streams.path("answered").asLong(),
                streams.path("pending").asLong(), streams.path("failing").asLong());
    }
}
