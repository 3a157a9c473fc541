package dev.snapshotsidecar.fault;

import dev.snapshotsidecar.fold.StoredEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class OracleDigestTest {
    private final DigestChainAggregator aggregator = new DigestChainAggregator();

    private static StoredEvent event(long version, String type, String data) {
        return new StoredEvent("ledger-0001", version, type, data, Optional.empty(), Instant.EPOCH);
    }

    private String fold(List<StoredEvent> events) {
        DigestChainAggregator.Chain state = aggregator.initialState();
        for (StoredEvent e : events) {
            state = aggregator.apply(state, e);
        }
        return aggregator.toJson(state);
    }

    private static ExpectedChain expected(List<StoredEvent> events) {
        ExpectedChain chain = ExpectedChain.GENESIS;
        for (StoredEvent e : events) {
            chain = chain.next(e.version(), e.eventType(), e.data());
        }
        return chain;
    }

    @Test
    @DisplayName("the plugin's fold and the test's own chain agree, through a snapshot's JSON")
    void pluginAndOracleAgree() {
        List<StoredEvent> events = List.of(event(0, "Opened", "{\"a\": 1}"), event(1, "Credited", "{\"b\": 2}"),
                event(2, "Debited", "{\"c\": 3}"));
        assertThat(ExpectedChain.parse(fold(events))).contains(expected(events));
        // resuming from a snapshot gives the same as folding from the first event
        String atOne = fold(events.subList(0, 2));
        DigestChainAggregator.Chain resumed = aggregator.apply(aggregator.fromJson(atOne), events.get(2));
        assertThat(ExpectedChain.parse(aggregator.toJson(resumed))).contains(expected(events));
    }

    @Test
    @DisplayName("a skipped, repeated or reordered event gives another chain")
    void everyDeviationShows() {
        StoredEvent a = event(0, "Opened", "{}");
        StoredEvent b = event(1, "Credited", "{\"n\": 1}");
        StoredEvent c = event(2, "Credited", "{\"n\": 1}");
        ExpectedChain right = expected(List.of(a, b, c));
        assertThat(ExpectedChain.parse(fold(List.of(a, c)))).isNotEqualTo(Optional.of(right));
        assertThat(ExpectedChain.parse(fold(List.of(a, b, b, c)))).isNotEqualTo(Optional.of(right));
        assertThat(ExpectedChain.parse(fold(List.of(a, c, b)))).isNotEqualTo(Optional.of(right));
        assertThat(ExpectedChain.parse(fold(List.of(a, b, c)))).contains(right);
    }

    @Test
    @DisplayName("snapshot data that is not a chain state is told apart")
    void unreadable() {
        assertThat(ExpectedChain.parse("{\"patientId\":\"x\"}")).isEmpty();
        assertThat(ExpectedChain.parse("not json")).isEmpty();
    }
}
