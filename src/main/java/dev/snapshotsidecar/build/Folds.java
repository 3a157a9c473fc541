package dev.snapshotsidecar.build;

import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.config.UnknownEvents;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import dev.snapshotsidecar.fold.http.HttpFold;
import dev.snapshotsidecar.fold.http.HttpFoldEndpoint;
import dev.snapshotsidecar.fold.jsonata.JsonataFold;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The fold of each aggregate type, made once at start-up from the configuration: a Java aggregator from the registry,
 * a JSONata fold from its compiled expressions, or an HTTP fold over an endpoint shared by the types with the same URL.
 * What the builder, {@code verify}, {@code analyze} and the demo use. Thread-safe; {@link #close()} closes the
 * endpoints.
 */
public final class Folds implements AutoCloseable {
    private final Map<String, Fold> byType;
    private final List<HttpFoldEndpoint> endpoints;

    private Folds(Map<String, Fold> byType, List<HttpFoldEndpoint> endpoints) {
        this.byType = Map.copyOf(byType);
        this.endpoints = List.copyOf(endpoints);
    }

    /** Folds of the given types, for tests and tools; closing them closes nothing. */
    public static Folds of(Map<String, Fold> byType) {
        return new Folds(byType, List.of());
    }

    /** Every configured type's fold, with meters in a registry of their own (for the commands). */
    public static Folds of(SidecarConfig config, AggregatorRegistry aggregators) {
        return of(config, aggregators, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /** Every configured type's fold. @throws SidecarException when an aggregator named is not in the registry */
    public static Folds of(SidecarConfig config, AggregatorRegistry aggregators, MeterRegistry registry, Clock clock) {
        Map<String, Fold> byType = new LinkedHashMap<>();
        Map<URI, HttpFoldEndpoint> endpoints = new LinkedHashMap<>();
        try {
            for (SidecarConfig.AggregateType type : config.aggregateTypes()) {
                byType.put(type.name(), fold(type, aggregators, endpoints, registry, clock));
            }
        } catch (RuntimeException e) {
            endpoints.values().forEach(HttpFoldEndpoint::close);
            throw e;
        }
        return new Folds(byType, new ArrayList<>(endpoints.values()));
    }

    private static Fold fold(SidecarConfig.AggregateType type, AggregatorRegistry aggregators,
                             Map<URI, HttpFoldEndpoint> endpoints, MeterRegistry registry, Clock clock) {
        if (type.fold() instanceof SidecarConfig.FoldDefinition.Http http) {
            return new HttpFold(type.name(), endpoints.computeIfAbsent(http.url(),
                    url -> new HttpFoldEndpoint(http, registry, clock)), http.chunks().events(), http.chunks().bytes());
        }
        if (type.fold() instanceof SidecarConfig.FoldDefinition.Jsonata jsonata) {
            return new JsonataFold(type.name(), jsonata.schemaVersion(), jsonata.initialState(),
                    jsonata.expressions().entrySet().stream()
                            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().compiled())),
                    jsonata.unknownEvents() == UnknownEvents.IGNORE);
        }
        return aggregatorFold(aggregators, ((SidecarConfig.FoldDefinition.Java) type.fold()).aggregator());
    }

    private static Fold aggregatorFold(AggregatorRegistry aggregators, String name) {
        return aggregators.find(name).<Fold>map(Folds::wrap)
                .orElseThrow(() -> new SidecarException("no aggregator is named " + name));
    }

    private static <S> Fold wrap(Aggregator<S> aggregator) {
        return new AggregatorFold<>(aggregator);
    }

    public Optional<Fold> forType(String aggregateType) {
        return Optional.ofNullable(byType.get(aggregateType));
    }

    /** Aggregate type to its fold, in the configuration's order. */
    public Map<String, Fold> all() {
        return byType;
    }

    /**
     * The type's schema version when it is known without waiting: for an HTTP fold, only once its service has
     * described it (an admin request must not wait for a fold service).
     */
    public OptionalInt knownSchemaVersion(String aggregateType) {
        Optional<Fold> fold = forType(aggregateType);
        if (fold.isEmpty()) {
            return OptionalInt.empty();
        }
        if (fold.get() instanceof HttpFold http) {
            return http.knownSchemaVersion();
        }
        try {
            return OptionalInt.of(fold.get().schemaVersion());
        } catch (FoldUnavailableException e) {
            return OptionalInt.empty();
        }
    }

    @Override
    public void close() {
        byType.values().forEach(Fold::close);
        endpoints.forEach(HttpFoldEndpoint::close);
    }
}
