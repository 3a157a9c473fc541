package dev.snapshotsidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.ConnectorConfig;
import dev.snapshotsidecar.config.SidecarConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code connector-config --config FILE}: the Debezium connector JSON, derived from the sidecar's configuration. */
@Command(name = "connector-config", mixinStandardHelpOptions = true,
        description = "Prints the Debezium connector configuration (connect/<dialect>.json with the topic, table, "
                + "columns and connection taken from the sidecar's configuration), or registers it with Kafka Connect.")
final class ConnectorConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a connector property (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--register", paramLabel = "URL",
            description = "Create or update the connector on the Kafka Connect REST API at URL, waiting until it answers.")
    Optional<URI> register;

    @Option(names = "--timeout", defaultValue = "PT5M",
            description = "How long --register waits for Kafka Connect (ISO-8601). Defaults to ${DEFAULT-VALUE}.")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        SidecarConfig loaded = config.load();
        ConnectorConfig.Connector derived = ConnectorConfig.derive(loaded);
        Map<String, String> properties = new LinkedHashMap<>(derived.config());
        properties.putAll(overrides);
        ConnectorConfig.Connector connector = new ConnectorConfig.Connector(derived.name(), properties);
        if (register.isEmpty()) {
            spec.commandLine().getOut().println(connector.toJson());
            return 0;
        }
        return put(connector);
    }

    /** PUT /connectors/{name}/config: creates or updates, so running it again is harmless. */
    private int put(ConnectorConfig.Connector connector) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = register.get().resolve("/connectors/" + connector.name() + "/config");
        String body = new ObjectMapper().writeValueAsString(connector.config());
        long deadline = System.nanoTime() + timeout.toNanos();
        long wait = 1000;
        while (true) {
            String problem;
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    spec.commandLine().getOut().printf("connector %s registered at %s (HTTP %d)%n", connector.name(),
                            register.get(), response.statusCode());
                    return 0;
                }
                if (response.statusCode() / 100 == 4 && response.statusCode() != 409 && response.statusCode() != 404) {
                    spec.commandLine().getErr().printf("Kafka Connect refused connector %s (HTTP %d): %s%n",
                            connector.name(), response.statusCode(), response.body());
                    return 1;
                }
                problem = "HTTP " + response.statusCode();
            } catch (ConnectException | java.net.http.HttpTimeoutException e) {
                problem = e.getClass().getSimpleName();
            }
            if (System.nanoTime() > deadline) {
                spec.commandLine().getErr().printf("Kafka Connect at %s did not accept connector %s within %s (%s)%n",
                        register.get(), connector.name(), timeout, problem);
                return 1;
            }
            spec.commandLine().getErr().printf("waiting for Kafka Connect at %s (%s); next try in %d ms%n",
                    register.get(), problem, wait);
            Thread.sleep(wait);
            wait = Math.min(wait * 2, 10_000);
        }
    }
}
