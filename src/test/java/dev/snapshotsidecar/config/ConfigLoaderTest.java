package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    static final Set<String> AGGREGATORS = Set.of("clinical.patient", "clinical.prescription");
    static final String VALID = """
            kafka:
              bootstrap-servers: broker:9092
              properties:
                security.protocol: SASL_SSL
                sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required password="s3cret";
            topics:
              source: [eventstore.event_store.events]
            database:
              jdbc-url: jdbc:postgresql://db:5432/clinical
              user: sidecar
              password: hunter2
            aggregate-types:
              patient:
                stream-id-pattern: "patient-.+"
                aggregator: clinical.patient
                every-n-events: 500
              prescription:
                stream-id-pattern: "prescription-.+"
                aggregator: clinical.prescription
            """;

    static SidecarConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, env, dir -> AGGREGATORS);
    }

    @Test
    @DisplayName("a valid file parses into typed values with every default applied")
    void valid() {
        SidecarConfig config = parse(VALID, Map.of());
        assertThat(config.kafka().bootstrapServers()).isEqualTo("broker:9092");
        assertThat(config.kafka().processingGuarantee()).isEqualTo(ProcessingGuarantee.EXACTLY_ONCE_V2);
        assertThat(config.kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.topics().requests()).isEqualTo("snapshot-sidecar-requests");
        assertThat(config.topics().source()).containsExactly("eventstore.event_store.events");
        assertThat(config.database().tables().schema()).isEqualTo("event_store");
        assertThat(config.database().connection().password()).contains("hunter2");
        assertThat(config.tracker().requestTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.aggregateTypes()).extracting(SidecarConfig.AggregateType::name)
                .containsExactly("patient", "prescription");
        assertThat(config.aggregateTypes().get(0).everyNEvents()).isEqualTo(500);
        assertThat(config.aggregateTypes().get(1).everyNEvents()).isEqualTo(100);
    }

    @Test
    @DisplayName("environment variables override keys of the file, of the defaults and of Kafka's client")
    void environmentOverrides() {
        SidecarConfig config = parse(VALID, Map.of(
                "SIDECAR_DATABASE_JDBC_URL", "jdbc:postgresql://other:5432/x",
                "SIDECAR_WORKER_CONCURRENCY", "9",
                "SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_EVERY_N_EVENTS", "50",
                "SIDECAR_KAFKA_PROPERTIES_SSL_TRUSTSTORE_LOCATION", "/etc/ts.jks",
                "UNRELATED", "x"));
        assertThat(config.database().connection().jdbcUrl()).isEqualTo("jdbc:postgresql://other:5432/x");
        assertThat(config.worker().concurrency()).isEqualTo(9);
        assertThat(config.aggregateTypes().get(1).everyNEvents()).isEqualTo(50);
        assertThat(config.kafka().properties()).containsEntry("ssl.truststore.location", "/etc/ts.jks");
    }

    @Test
    @DisplayName("every problem is listed at once, with key, value and rule")
    void everyProblem() {
        String yaml = """
                kafka:
                  processing-guarantee: exactly_once
                topics:
                  partitions: 0
                database:
                  user: sidecar
                  columns:
                    stream-id: "stream id; drop table"
                tracker:
                  request-timeout: soon
                aggregate-types:
                  patient:
                    every-n-events: -1
                    aggregator: clinical.nope
                  rx:
                    stream-id-pattern: "rx-.+"
                    aggregator: clinical.prescription
                    every-n-events: 0
                    schedule.interval: 1h
                    schedule.window: 02:00-04:00
                  idle:
                    stream-id-pattern: "idle-.+"
                    aggregator: clinical.prescription
                    every-n-events: 0
                    schedule:
                      window: "25:00-26:00"
                      time-zone: Mars/Olympus
                  Bad:
                    stream-id-pattern: "(["
                    aggregator: clinical.patient
                worker:
                  concurency: 4
                """;
        assertThatThrownBy(() -> parse(yaml, Map.of()))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.problems()).extracting(ConfigProblem::key).contains(
                            "kafka.bootstrap-servers", "kafka.processing-guarantee", "topics.source",
                            "topics.partitions", "database.jdbc-url", "database.columns.stream-id",
                            "tracker.request-timeout", "aggregate-types.patient.every-n-events",
                            "aggregate-types.patient.aggregator", "aggregate-types.patient.stream-id-pattern",
                            "aggregate-types.Bad", "aggregate-types.Bad.stream-id-pattern", "worker.concurency",
                            "aggregate-types.rx.schedule.window", "aggregate-types.idle.schedule.window",
                            "aggregate-types.idle.schedule.time-zone", "aggregate-types.idle.every-n-events");
                    assertThat(e.getMessage()).contains(
                            "Invalid value -1 for `aggregate-types.patient.every-n-events`: must be an integer of at least 0",
                            "set schedule.interval or schedule.window for aggregate type rx, not both",
                            "no rule would ever snapshot aggregate type idle",
                            "Invalid value exactly_once for `kafka.processing-guarantee`: must be one of exactly_once_v2, at_least_once",
                            "`worker.concurency`: is not a known key");
                });
    }

    @Test
    @DisplayName("the enumerated keys parse once into enums, spelled exactly as the reference lists them")
    void enumeratedKeys() {
        SidecarConfig defaults = parse(VALID, Map.of());
        assertThat(List.of(defaults.kafka().processingGuarantee(), defaults.database().dialect(),
                defaults.ingest().timestampUnit(), defaults.tracker().partitioning(), defaults.logFormat()))
                .containsExactly(ProcessingGuarantee.EXACTLY_ONCE_V2, Dialect.POSTGRES, TimestampUnit.AUTO,
                        Partitioning.AUTO, LogFormat.TEXT);

        SidecarConfig chosen = parse(VALID, Map.of("SIDECAR_KAFKA_PROCESSING_GUARANTEE", "at_least_once",
                "SIDECAR_DATABASE_DIALECT", "sqlserver", "SIDECAR_INGEST_TIMESTAMP_UNIT", "microseconds",
                "SIDECAR_TRACKER_PARTITIONING", "source", "SIDECAR_LOG_FORMAT", " json "));
        assertThat(List.of(chosen.kafka().processingGuarantee(), chosen.database().dialect(),
                chosen.ingest().timestampUnit(), chosen.tracker().partitioning(), chosen.logFormat()))
                .containsExactly(ProcessingGuarantee.AT_LEAST_ONCE, Dialect.SQL_SERVER, TimestampUnit.MICROSECONDS,
                        Partitioning.SOURCE, LogFormat.JSON);
        assertThat(chosen.database().dialect().configName()).isEqualTo("sqlserver");

        assertThatThrownBy(() -> parse(VALID, Map.of("SIDECAR_KAFKA_PROCESSING_GUARANTEE", "EXACTLY_ONCE_V2",
                "SIDECAR_DATABASE_DIALECT", "SQL_SERVER", "SIDECAR_INGEST_TIMESTAMP_UNIT", "Auto",
                "SIDECAR_TRACKER_PARTITIONING", "stream_id", "SIDECAR_LOG_FORMAT", "JSON")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContainingAll(
                        "Invalid value EXACTLY_ONCE_V2 for `kafka.processing-guarantee`: must be one of exactly_once_v2, at_least_once",
                        "Invalid value SQL_SERVER for `database.dialect`: must be one of postgres, sqlserver",
                        "Invalid value Auto for `ingest.timestamp-unit`: must be one of auto, nanoseconds, microseconds, milliseconds",
                        "Invalid value stream_id for `tracker.partitioning`: must be one of auto, stream-id, source",
                        "Invalid value JSON for `log.format`: must be one of text, json");
    }

    @Test
    @DisplayName("an enumerated key's default is one of its choices")
    void enumeratedDefaults() {
        for (ConfigKey key : ConfigDefinitions.GLOBAL_KEYS) {
            if (key.type() == ConfigKey.Type.ENUM) {
                assertThat(key.choices()).as(key.name()).contains(key.defaultValue().orElseThrow().describe());
            }
        }
    }

    @Test
    @DisplayName("secrets are masked in the effective configuration")
    void masking() {
        SidecarConfig config = parse(VALID, Map.of());
        assertThat(String.join("\n", config.effective()))
                .contains("database.password = ****", "kafka.properties.sasl.jaas.config = ****",
                        "kafka.properties.security.protocol = SASL_SSL", "database.user = sidecar")
                .doesNotContain("hunter2", "s3cret");
    }

    @Test
    @DisplayName("the four topics are named after the application id unless set, so two deployments never share them")
    void topicsFollowTheApplicationId() {
        SidecarConfig.Topics defaults = parse(VALID, Map.of()).topics();
        assertThat(List.of(defaults.requests(), defaults.results(), defaults.deadLetters(), defaults.commands()))
                .containsExactly("snapshot-sidecar-requests", "snapshot-sidecar-results",
                        "snapshot-sidecar-dead-letters", "snapshot-sidecar-commands");

        SidecarConfig.Topics billing = parse(VALID.replace("bootstrap-servers: broker:9092",
                "bootstrap-servers: broker:9092\n  application-id: billing-sidecar"), Map.of()).topics();
        SidecarConfig.Topics clinical = parse(VALID, Map.of("SIDECAR_KAFKA_APPLICATION_ID", "clinical-sidecar"))
                .topics();
        assertThat(List.of(billing.requests(), billing.results(), billing.deadLetters(), billing.commands()))
                .containsExactly("billing-sidecar-requests", "billing-sidecar-results",
                        "billing-sidecar-dead-letters", "billing-sidecar-commands");
        assertThat(List.of(clinical.requests(), clinical.results(), clinical.deadLetters(), clinical.commands()))
                .containsExactly("clinical-sidecar-requests", "clinical-sidecar-results",
                        "clinical-sidecar-dead-letters", "clinical-sidecar-commands");

        // names set in the file or the environment win over the derived ones (deployments that keep their topics)
        SidecarConfig.Topics explicit = parse(VALID.replace("  source: [eventstore.event_store.events]", """
                          source: [eventstore.event_store.events]
                          requests: snapshot-requests
                          results: snapshot-results
                        """), Map.of("SIDECAR_KAFKA_APPLICATION_ID", "clinical-sidecar",
                "SIDECAR_TOPICS_DEAD_LETTERS", "snapshot-dead-letters")).topics();
        assertThat(List.of(explicit.requests(), explicit.results(), explicit.deadLetters(), explicit.commands()))
                .containsExactly("snapshot-requests", "snapshot-results", "snapshot-dead-letters",
                        "clinical-sidecar-commands");
        assertThat(String.join("\n", parse(VALID, Map.of("SIDECAR_KAFKA_APPLICATION_ID", "clinical-sidecar"))
                .effective())).contains("topics.requests = clinical-sidecar-requests",
                "topics.commands = clinical-sidecar-commands");
    }

    @Test
    @DisplayName("passwords in JDBC URLs and sensitive Kafka client properties are masked in the effective configuration")
    void maskingUrlsAndProperties() {
        Map<String, String> urls = Map.of(
                "jdbc:postgresql://db:5432/clinical?user=sidecar&password=pg-param-secret&ssl=true",
                "jdbc:postgresql://db:5432/clinical?user=sidecar&password=****&ssl=true",
                "jdbc:postgresql://db:5432/clinical?sslmode=verify-full&sslpassword=pg-key-secret",
                "jdbc:postgresql://db:5432/clinical?sslmode=verify-full&sslpassword=****",
                "jdbc:postgresql://sidecar:userinfo-secret@db:5432/clinical",
                "jdbc:postgresql://sidecar:****@db:5432/clinical",
                "jdbc:sqlserver://mssql:1433;databaseName=Clinical;user=sa;password=mssql-secret;encrypt=true",
                "jdbc:sqlserver://mssql:1433;databaseName=Clinical;user=sa;password=****;encrypt=true",
                "jdbc:sqlserver://mssql;databaseName=Clinical;Password={braced;secret}}x};trustStorePassword=ts-secret;accessToken=token-secret",
                "jdbc:sqlserver://mssql;databaseName=Clinical;Password=****;trustStorePassword=****;accessToken=****");
        urls.forEach((url, masked) -> {
            SidecarConfig config = parse(VALID, Map.of("SIDECAR_DATABASE_JDBC_URL", url));
            assertThat(config.database().connection().jdbcUrl()).as("the URL itself is unchanged").isEqualTo(url);
            assertThat(config.effective()).contains("database.jdbc-url = " + masked);
            assertThat(String.join("\n", config.effective()) + config.database())
                    .doesNotContain("pg-param-secret", "pg-key-secret", "userinfo-secret", "mssql-secret", "braced",
                            "ts-secret", "token-secret");
        });

        Map<String, String> env = new java.util.HashMap<>();
        for (String secret : List.of("SSL_KEYSTORE_KEY", "SSL_KEY_PASSWORD", "SSL_TRUSTSTORE_PASSWORD",
                "SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET", "SASL_OAUTHBEARER_ASSERTION_PRIVATE_KEY_PASSPHRASE",
                "SASL_LOGIN_TOKEN", "SOME_CREDENTIAL", "BASIC_AUTH_USER_INFO")) {
            env.put("SIDECAR_KAFKA_PROPERTIES_" + secret, "value-of-" + secret);
        }
        env.put("SIDECAR_KAFKA_PROPERTIES_SSL_TRUSTSTORE_CERTIFICATES", "-----BEGIN CERTIFICATE----- public");
        env.put("SIDECAR_KAFKA_PROPERTIES_SSL_KEYSTORE_LOCATION", "/etc/kafka/keystore.p12");
        String effective = String.join("\n", parse(VALID, env).effective());
        assertThat(effective).contains("kafka.properties.ssl.keystore.key = ****",
                        "kafka.properties.ssl.key.password = ****", "kafka.properties.ssl.truststore.password = ****",
                        "kafka.properties.sasl.oauthbearer.client.credentials.client.secret = ****",
                        "kafka.properties.sasl.oauthbearer.assertion.private.key.passphrase = ****",
                        "kafka.properties.sasl.login.token = ****", "kafka.properties.some.credential = ****",
                        "kafka.properties.basic.auth.user.info = ****",
                        "kafka.properties.ssl.truststore.certificates = -----BEGIN CERTIFICATE----- public",
                        "kafka.properties.ssl.keystore.location = /etc/kafka/keystore.p12",
                        "kafka.properties.security.protocol = SASL_SSL")
                .doesNotContain("value-of-");
    }

    @Test
    @DisplayName("a URL that is not a JDBC URL is a problem, shown with its password masked")
    void notAJdbcUrl() {
        assertThatThrownBy(() -> parse(VALID, Map.of("SIDECAR_DATABASE_JDBC_URL",
                "postgresql://sidecar:userinfo-secret@db/clinical")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("Invalid value postgresql://sidecar:****@db/clinical for `database.jdbc-url`")
                .hasMessageNotContaining("userinfo-secret");
    }

    @Test
    @DisplayName("numbers and durations past what their key or type can hold are problems with the key, not exceptions")
    void outOfRange() {
        String yaml = VALID + """
                tracker:
                  request-timeout: 999999999999d
                  failure-backoff: 99999999999999999999999s
                  scan-interval: 366d
                worker:
                  retry-give-up-after: PT2562047788015216H
                  concurrency: 99999999999
                  max-builds-per-second: -99999999999
                http:
                  port: 65536
                kafka.replication-factor: 40000
                """;
        String withTypeKey = yaml.replace("every-n-events: 500",
                "every-n-events: 500\n    max-snapshot-bytes: 99999999999999999999");
        assertThatThrownBy(() -> parse(withTypeKey, Map.of()))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.problems()).extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                            "tracker.request-timeout", "tracker.failure-backoff", "tracker.scan-interval",
                            "worker.retry-give-up-after", "worker.concurrency", "worker.max-builds-per-second",
                            "http.port", "kafka.replication-factor", "aggregate-types.patient.max-snapshot-bytes");
                    assertThat(e.getMessage()).contains(
                            "Invalid value 999999999999d for `tracker.request-timeout`: must be a duration such as 500ms, 30s, 5m, 1h or PT5M from 1s to 365d",
                            "Invalid value 366d for `tracker.scan-interval`",
                            "Invalid value 65536 for `http.port`: must be an integer from -1 to 65535",
                            "Invalid value 40000 for `kafka.replication-factor`: must be an integer from -1 to 32767",
                            "Invalid value 99999999999 for `worker.concurrency`: must be an integer from 1 to 2147483647",
                            "Invalid value -99999999999 for `worker.max-builds-per-second`: must be an integer of at least 1",
                            "Invalid value 99999999999999999999 for `aggregate-types.patient.max-snapshot-bytes`: must be an integer from 1 to 9223372036854775807");
                });

        SidecarConfig edges = parse(VALID + """
                tracker:
                  request-timeout: 365d
                http:
                  port: 65535
                """, Map.of());
        assertThat(edges.http().port()).isEqualTo(65535);
        assertThat(edges.tracker().requestTimeout()).isEqualTo(Duration.ofDays(365));
    }

    @Test
    @DisplayName("a default naming another key names a global key with a fixed default")
    void derivedDefaults() {
        for (ConfigKey key : ConfigDefinitions.GLOBAL_KEYS) {
            if (key.defaultValue().orElse(null) instanceof ConfigKey.Default.Derived derived) {
                assertThat(ConfigDefinitions.global(derived.key())).as("the key %s's default names", key.name())
                        .hasValueSatisfying(named -> assertThat(named.defaultValue())
                                .containsInstanceOf(ConfigKey.Default.Fixed.class));
                assertThat(key.doc()).contains("Defaults to `" + key.defaultValue().get().describe() + "`.");
            }
        }
    }

    @Test
    @DisplayName("a type recognised by a column value needs the column to be configured")
    void typeColumn() {
        String yaml = VALID.replace("stream-id-pattern: \"patient-.+\"", "type-column-value: Patient");
        assertThatThrownBy(() -> parse(yaml, Map.of())).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("needs database.columns.aggregate-type");
        SidecarConfig config = parse(yaml, Map.of("SIDECAR_DATABASE_COLUMNS_AGGREGATE_TYPE", "aggregate_type"));
        assertThat(config.aggregateTypes().get(0).typeColumnValue()).contains("Patient");
        assertThat(config.database().columns().aggregateType()).contains("aggregate_type");
    }

    @Test
    @DisplayName("a stuck-build timeout must exceed the retry give-up: a build retrying transient failures is not hung")
    void stuckBuildTimeout() {
        assertThat(parse(VALID, Map.of()).worker().stuckBuildTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThatThrownBy(() -> parse(VALID, Map.of("SIDECAR_WORKER_STUCK_BUILD_TIMEOUT", "5m")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("worker.stuck-build-timeout").hasMessageContaining("must exceed");
        assertThat(parse(VALID, Map.of("SIDECAR_WORKER_STUCK_BUILD_TIMEOUT", "5m",
                "SIDECAR_WORKER_RETRY_GIVE_UP_AFTER", "1m")).worker().stuckBuildTimeout())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(parse(VALID, Map.of()).database().pool().statementTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    @DisplayName("rules on the tail parse into the policy: resting event types, a replay-cost limit and its prior")
    void tailRules() {
        SidecarConfig config = parse(VALID, Map.of(
                "SIDECAR_AGGREGATE_TYPES_PATIENT_SNAPSHOT_AFTER_EVENTS", "PatientDischarged, PatientDeceased",
                "SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_ABOVE", "50ms",
                "SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_PRIOR_MICROS", "35"));
        SidecarConfig.Tail tail = config.aggregateTypes().get(0).policy().tail();
        assertThat(tail.afterEventTypes()).containsExactlyInAnyOrder("PatientDischarged", "PatientDeceased");
        assertThat(tail.replayCostAbove()).contains(Duration.ofMillis(50));
        assertThat(tail.priorMicrosPerEvent()).isEqualTo(35);
        assertThat(config.aggregateTypes().get(1).policy().tail()).as("the defaults").isEqualTo(SidecarConfig.Tail.NONE);

        SidecarConfig costOnly = parse(VALID, Map.of("SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", "0",
                "SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_ABOVE", "2s"));
        assertThat(costOnly.aggregateTypes().get(0).everyNEvents()).as("a replay-cost limit is a rule of its own")
                .isZero();
        assertThatThrownBy(() -> parse(VALID, Map.of("SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_ABOVE", "0ms",
                "SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_PRIOR_MICROS", "0")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("aggregate-types.patient.replay-cost-above")
                .hasMessageContaining("aggregate-types.patient.replay-cost-prior-micros");
    }

    @Test
    @DisplayName("durations accept short and ISO-8601 forms")
    void durations() {
        assertThat(Durations.parse("250ms")).contains(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).contains(Duration.ofSeconds(30));
        assertThat(Durations.parse("2h")).contains(Duration.ofHours(2));
        assertThat(Durations.parse("PT5M")).contains(Duration.ofMinutes(5));
        assertThat(Durations.parse("soon")).isEmpty();
    }
}
