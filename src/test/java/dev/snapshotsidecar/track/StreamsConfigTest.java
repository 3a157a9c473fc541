package dev.snapshotsidecar.track;

import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsConfigTest {
    static final String YAML = """
            kafka:
              bootstrap-servers: broker:9092
              processing-guarantee: exactly_once_v2
            topics:
              source: [eventstore.event_store.events]
            database:
              jdbc-url: jdbc:postgresql://db:5432/clinical
              user: sidecar
            aggregate-types:
              patient:
                stream-id-pattern: "patient-.+"
                aggregator: clinical.patient
            """;

    static SidecarConfig config(Map<String, String> env) {
        return ConfigLoader.parse(YAML, env, dir -> Set.of("clinical.patient"));
    }

    @Test
    @DisplayName("tasks never idle for order: a first start's announcements end with a marker instead")
    void idling() {
        Properties props = TrackerTopology.streamsConfig(config(Map.of()));
        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(-1L);
        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    }

    @Test
    @DisplayName("a configured idle time wins; the guarantee and naming stay ours")
    void configuredIdleWins() {
        Properties props = TrackerTopology.streamsConfig(config(Map.of(
                "SIDECAR_KAFKA_PROPERTIES_MAX_TASK_IDLE_MS", "250",
                "SIDECAR_KAFKA_PROPERTIES_PROCESSING_GUARANTEE", "at_least_once")));
        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo("250");
        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG)).isEqualTo(true);
    }

    @Test
    @DisplayName("under exactly_once_v2 transactions commit every second unless kafka.properties says otherwise; at_least_once keeps Kafka's default")
    void commitInterval() {
        assertThat(TrackerTopology.streamsConfig(config(Map.of())).get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(1000L);
        assertThat(TrackerTopology.streamsConfig(config(Map.of("SIDECAR_KAFKA_PROPERTIES_COMMIT_INTERVAL_MS", "100")))
                .get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("100");
        assertThat(TrackerTopology.streamsConfig(config(Map.of("SIDECAR_KAFKA_PROCESSING_GUARANTEE", "at_least_once")))
                .get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isNull();
    }
}
