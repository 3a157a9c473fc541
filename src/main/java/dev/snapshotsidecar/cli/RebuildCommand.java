package dev.snapshotsidecar.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.TrackerCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code rebuild --config FILE --aggregate-type T}: new snapshots for every stream of a type, longest first; then
 * follows the rebuild it asked for on the running sidecar's admin API ({@code GET /rebuilds/{type}?requestedAt=})
 * until every stream was asked for and answered, showing its progress on standard error.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Asks the running sidecar for new snapshots of every stream of an aggregate type (after its "
                + "aggregator's schema version changed): longest streams first, rate-limited, resumed after restarts. "
                + "Then shows the rebuild's progress from the admin API until it is done: exit 0 when every stream "
                + "was rebuilt, 1 when some were not.")
final class RebuildCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--aggregate-type", required = true, paramLabel = "TYPE", description = "The type to rebuild.")
    String aggregateType;

    @Option(names = "--admin-url", paramLabel = "URL",
            description = "The admin API of any instance, e.g. http://snapshot-sidecar:8080. Defaults to "
                    + "http://localhost:<http.port>.")
    Optional<URI> adminUrl;

    @Option(names = "--no-wait", description = "Only ask for the rebuild; do not follow it.")
    boolean noWait;

    @Option(names = "--poll-interval", defaultValue = "PT2S",
            description = "How often to ask for the progress (ISO-8601). Defaults to ${DEFAULT-VALUE}.")
    Duration pollInterval;

    @Option(names = "--give-up-after", defaultValue = "PT2M",
            description = "Stop following when the admin API has not answered for this long (ISO-8601); the "
                    + "rebuild goes on. Defaults to ${DEFAULT-VALUE}.")
    Duration giveUpAfter;

    @Option(names = "--json", description = "Print the final progress as one JSON object; progress as plain lines.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SidecarConfig loaded = config.load();
        if (loaded.aggregateTypes().stream().noneMatch(t -> t.name().equals(aggregateType))) {
            throw new ParameterException(spec.commandLine(), "unknown aggregate type " + aggregateType + "; known: "
                    + loaded.aggregateTypes().stream().map(SidecarConfig.AggregateType::name).toList());
        }
        Instant requestedAt = Instant.now();
        int tasks = TrackerCommands.broadcast(loaded.kafka().properties(), loaded.kafka().bootstrapServers(),
                loaded.topics().commands(), TrackerCommand.rebuild(aggregateType, requestedAt));
        PrintWriter err = spec.commandLine().getErr();
        // without --no-wait the command's result is the rebuild's outcome; this line is then only a note
        (noWait ? spec.commandLine().getOut() : err).printf("rebuild of %s requested at %s from %d tracker tasks; they"
                        + " send at most %d requests each per %s, longest streams first%n", aggregateType, requestedAt,
                tasks, loaded.tracker().rebuildBatch(), loaded.tracker().scanInterval());
        if (noWait) {
            return 0;
        }
        AdminClient admin = new AdminClient(adminUrl.orElse(URI.create("http://localhost:"
                + (loaded.http().port() > 0 ? loaded.http().port() : 8080))), loaded.http().adminToken());
        String path = "/rebuilds/" + URLEncoder.encode(aggregateType, StandardCharsets.UTF_8).replace("+", "%20")
                + "?requestedAt=" + requestedAt;
        err.printf("following it at %s (Ctrl-C stops following, not the rebuild)%n", admin.base().resolve(path));
        Optional<JsonNode> last = follow(admin, path);
        if (last.isEmpty()) {
            return 1;
        }
        JsonNode streams = last.get().path("streams");
        long total = streams.path("total").asLong();
        long answered = streams.path("answered").asLong();
        if (json) {
            spec.commandLine().getOut().println(last.get());
        } else {
            spec.commandLine().getOut().printf("rebuild of %s: %,d streams, %,d rebuilt, %,d not (%,d failing)%n",
                    aggregateType, total, answered, total - answered, streams.path("failing").asLong());
        }
        if (answered < total) {
            err.printf("%,d streams of %s were not rebuilt: their builds failed (asked again with backoff) or their "
                    + "snapshots are too large; GET /streams/{id} shows each one's failures%n", total - answered,
                    aggregateType);
            return 1;
        }
        return 0;
    }

    /** Polls the progress until the rebuild is complete; empty when the admin API refuses or stops answering. */
    private Optional<JsonNode> follow(AdminClient admin, String path) throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        long lastAnswer = System.nanoTime();
        try (Progress progress = Progress.forCommand(err, json)) {
            progress.phase("rebuilding " + aggregateType, Progress.UNKNOWN);
            while (true) {
                AdminClient.Answer answer = admin.get(path);
                if (answer instanceof AdminClient.Answer.Ok ok) {
                    lastAnswer = System.nanoTime();
                    show(progress, ok.body());
                    if (ok.body().path("complete").asBoolean()) {
                        return Optional.of(ok.body());
                    }
                } else if (answer instanceof AdminClient.Answer.Refused refused) {
                    progress.finish();
                    err.printf("the admin API refused to show the rebuild's progress (HTTP %d: %s); the rebuild goes"
                            + " on%s%n", refused.status(), refused.message(), refused.status() == 404 ? ""
                            : "; reads need http.admin-token unless http.reads-open is true");
                    return Optional.empty();
                } else if (System.nanoTime() - lastAnswer > giveUpAfter.toNanos()) {
                    progress.finish();
                    err.printf("the admin API at %s has not answered for %s (%s); stopped following, the rebuild goes"
                            + " on%n", admin.base(), giveUpAfter, ((AdminClient.Answer.NoAnswer) answer).problem());
                    return Optional.empty();
                }
                Thread.sleep(pollInterval.toMillis());
            }
        }
    }

    private static void show(Progress progress, JsonNode body) {
        JsonNode tasks = body.path("tasks");
        JsonNode streams = body.path("streams");
        boolean allCounted = tasks.path("counted").asInt() >= tasks.path("expected").asInt()
                && tasks.path("waiting").asInt() == 0;
        // the total is known once every task has read the command and measured its streams
        progress.update(streams.path("answered").asLong(), allCounted ? streams.path("total").asLong()
                : Progress.UNKNOWN);
        progress.detail(String.format("asked %,d, pending %,d, failing %,d; tasks walking %d, done %d of %d",
                streams.path("requested").asLong(), streams.path("pending").asLong(),
                streams.path("failing").asLong(), tasks.path("walking").asInt(), tasks.path("finished").asInt(),
                tasks.path("expected").asInt()));
    }
}
