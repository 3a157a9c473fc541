package dev.snapshotsidecar.testkit;

import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka Connect worker (standalone) in this JVM, finding connectors on the class path through
 * {@code plugin.discovery=service_load}. Connector configurations are validated before they are created, so a bad
 * one fails with Connect's own messages. {@link #close()} stops the worker and removes its offsets file.
 */
public final class EmbeddedConnect implements AutoCloseable {
    private final Connect<StandaloneHerder> connect;
    private final Path directory;

    private EmbeddedConnect(Connect<StandaloneHerder> connect, Path directory) {
        this.connect = connect;
        this.directory = directory;
    }

    public static EmbeddedConnect start(String bootstrapServers) {
        try {
            Path directory = Files.createTempDirectory("sidecar-connect-");
            Map<String, String> worker = new HashMap<>();
            worker.put("bootstrap.servers", bootstrapServers);
            worker.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
            worker.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
            worker.put("offset.storage.file.filename", directory.resolve("offsets").toString());
            worker.put("offset.flush.interval.ms", "1000");
            worker.put("plugin.discovery", "service_load");
            worker.put("listeners", "http://127.0.0.1:" + FreePorts.next());
            worker.put("config.providers", "env");
            worker.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
            Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(worker);
            return new EmbeddedConnect(connect, directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka Connect", e);
        }
    }

    /** Validates the configuration with the connector's own rules; the problems found, empty when none. */
    public List<String> validate(Map<String, String> config) {
        FutureCallback<ConfigInfos> callback = new FutureCallback<>();
        connect.herder().validateConnectorConfig(config, callback);
        try {
            ConfigInfos infos = callback.get(120, TimeUnit.SECONDS);
            return infos.configs().stream().map(ConfigInfo::configValue)
                    .filter(v -> v != null && v.errors() != null && !v.errors().isEmpty())
                    .map(v -> v.name() + ": " + String.join("; ", v.errors())).toList();
        } catch (Exception e) {
            throw new IllegalStateException("validating connector " + config.get("name") + " failed", e);
        }
    }

    /** Validates, then creates the connector and waits until its task runs. */
    public void create(Map<String, String> config) {
        String name = config.get("name");
        List<String> problems = validate(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("connector " + name + " is not valid: " + problems);
        }
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        connect.herder().putConnectorConfig(name, config, true, created);
        try {
            created.get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                ConnectorStateInfo status = connect.herder().connectorStatus(name);
                if (!status.tasks().isEmpty() && status.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()))) {
                    return;
                }
                if (status.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()))) {
                    throw new IllegalStateException("connector " + name + " failed: " + status.tasks().get(0).trace());
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("connector " + name + " did not start within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("creating connector " + name + " failed", e);
        }
    }

    public void delete(String name) {
        FutureCallback<Herder.Created<ConnectorInfo>> deleted = new FutureCallback<>();
        connect.herder().deleteConnectorConfig(name, deleted);
        try {
            deleted.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("deleting connector " + name + " failed", e);
        }
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
        Directories.delete(directory);
    }
}
