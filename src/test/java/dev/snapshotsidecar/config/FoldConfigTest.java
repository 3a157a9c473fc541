package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each aggregate type's fold: exactly one kind, each kind's keys validated at start-up with every problem listed. */
class FoldConfigTest {
    static final String BASE = """
            kafka: { bootstrap-servers: broker:9092 }
            topics: { source: [eventstore.event_store.events] }
            database: { jdbc-url: "jdbc:postgresql://db:5432/clinical", user: sidecar }
            aggregate-types:
              patient:
                stream-id-pattern: "patient-.+"
                aggregator: clinical.patient
            """;

    static SidecarConfig parse(String types) {
        return ConfigLoader.parse(BASE + types, Map.of(), dir -> ConfigLoaderTest.AGGREGATORS);
    }

    static String problems(String types) {
        try {
            parse(types);
        } catch (InvalidConfigurationException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected configuration problems");
    }

    @Test
    @DisplayName("an HTTP fold reads its endpoint settings, defaults applied; types on one URL share them")
    void http() {
        SidecarConfig config = parse("""
                  prescription:
                    stream-id-pattern: "prescription-.+"
                    fold:
                      http:
                        url: http://localhost:8088/folds/
                        chunk-events: 200
                        bearer-token: s3cret
                """);
        SidecarConfig.FoldDefinition.Http http = (SidecarConfig.FoldDefinition.Http) config.aggregateTypes().get(1)
                .fold();
        assertThat(http.url()).isEqualTo(URI.create("http://localhost:8088/folds"));
        assertThat(http.chunks()).isEqualTo(new SidecarConfig.HttpChunks(200, 1 << 20));
        assertThat(http.timeouts().call()).isEqualTo(Duration.ofSeconds(10));
        assertThat(http.limits().maxConcurrency()).isEqualTo(4);
        assertThat(http.retry().giveUpAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(http.auth().bearerToken()).contains("s3cret");
        assertThat(http.toString()).doesNotContain("s3cret");
        assertThat(config.effective()).anySatisfy(line -> assertThat(line)
                .isEqualTo("aggregate-types.prescription.fold.http.bearer-token = ****"));
        assertThat(config.effective()).noneSatisfy(line -> assertThat(line).contains("s3cret"));
    }

    @Test
    @DisplayName("a JSONata fold compiles its expressions; the initial state may be a YAML mapping or JSON text")
    void jsonata() {
        SidecarConfig config = parse("""
                  counter:
                    stream-id-pattern: "counter-.+"
                    fold:
                      jsonata:
                        schema-version: 3
                        initial-state: { count: 0, tags: [] }
                        unknown-events: ignore
                        events:
                          Incremented: "$merge([$state, {'count': $state.count + by}])"
                          Clinical.Renamed: "$merge([$state, {'name': name}])"
                """);
        SidecarConfig.FoldDefinition.Jsonata jsonata = (SidecarConfig.FoldDefinition.Jsonata) config.aggregateTypes()
                .get(1).fold();
        assertThat(jsonata.schemaVersion()).isEqualTo(3);
        assertThat(jsonata.initialState()).isEqualTo("{\"count\":0,\"tags\":[]}");
        assertThat(jsonata.unknownEvents()).isEqualTo(UnknownEvents.IGNORE);
        assertThat(jsonata.expressions()).containsOnlyKeys("Incremented", "Clinical.Renamed");
    }

    @Test
    @DisplayName("a type with no fold or two kinds, a JSONata syntax error and a bad initial state are each reported with their key")
    void problemsWithKeys() {
        String message = problems("""
                  none:
                    stream-id-pattern: "none-.+"
                  both:
                    stream-id-pattern: "both-.+"
                    aggregator: clinical.patient
                    fold: { http: { url: "http://localhost:1" } }
                  broken:
                    stream-id-pattern: "broken-.+"
                    fold:
                      jsonata:
                        initial-state: "{not json"
                        events:
                          Created: "$merge([$state, {'a': 1}"
                """);
        assertThat(message).contains("aggregate-types.none.aggregator", "(none is set)")
                .contains("aggregate-types.both.aggregator", "found aggregator and fold.http.*")
                .contains("aggregate-types.broken.fold.jsonata.events.Created", "must be a JSONata expression")
                .contains("aggregate-types.broken.fold.jsonata.initial-state");
    }

    @Test
    @DisplayName("HTTP endpoint problems: a bad URL, a token over plain http to another host, TLS without https, shared URLs that disagree")
    void httpProblems() {
        String message = problems("""
                  a:
                    stream-id-pattern: "a-.+"
                    fold: { http: { url: "ftp://folds" } }
                  b:
                    stream-id-pattern: "b-.+"
                    fold: { http: { url: "http://folds.internal:8088", bearer-token: t } }
                  c:
                    stream-id-pattern: "c-.+"
                    fold: { http: { url: "http://folds.internal:8088", max-concurrency: 9, tls: { key-store: /nonexistent.p12 } } }
                """);
        assertThat(message).contains("aggregate-types.a.fold.http.url", "must be an absolute http:// or https:// URL")
                .contains("aggregate-types.b.fold.http.url", "would send the token in clear")
                .contains("aggregate-types.c.fold.http.tls.key-store", "must be a readable PKCS#12 file")
                .contains("aggregate-types.c.fold.http.url", "must be https:// when fold.http.tls.* is set")
                .contains("shares its endpoint with aggregate type b");
    }

    @Test
    @DisplayName("an overlay gives a type another fold and drops the fold keys it had; everything else stays")
    void overlay() {
        SidecarConfig config = ConfigLoader.parse(BASE, Optional.of("""
                aggregate-types:
                  patient:
                    fold: { http: { url: "http://127.0.0.1:8088" } }
                """), Map.of(), dir -> ConfigLoaderTest.AGGREGATORS);
        assertThat(config.aggregateTypes().get(0).fold()).isInstanceOf(SidecarConfig.FoldDefinition.Http.class);
        assertThat(config.aggregateTypes().get(0).streamIdPattern().orElseThrow().pattern()).isEqualTo("patient-.+");
    }
}
