package dev.snapshotsidecar.fold.jsonata;

import com.dashjoin.jsonata.Jsonata;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonataFoldTest {
    static StoredEvent event(long version, String type, String data) {
        return new StoredEvent("counter-1", version, type, data, Optional.of("{\"user\":\"u1\"}"),
                Instant.parse("2026-01-02T03:04:05Z"));
    }

    static JsonataFold fold(boolean ignoreUnknown) {
        return new JsonataFold("counter", 2, "{\"count\":0}", Map.of(
                "Incremented", Jsonata.jsonata("$merge([$state, {'count': $state.count + by}])"),
                "Described", Jsonata.jsonata("$merge([$state, {'last': $event.type & '@' & $event.version,"
                        + " 'by': $event.metadata.user, 'at': $event.createdAt, 'stream': $event.streamId,"
                        + " 'same': $event.data.by = by}])"),
                "Nothing", Jsonata.jsonata("missing.field"),
                "Refused", Jsonata.jsonata("$error('count would go below zero')"),
                "Broken", Jsonata.jsonata("$state.count + secret")), ignoreUnknown);
    }

    static FoldState run(Fold fold, StoredEvent... events) {
        Fold.Run run = fold.start("counter-1", Optional.empty(), 0);
        for (StoredEvent e : events) {
            run.apply(e);
        }
        return run.finish();
    }

    @Test
    @DisplayName("each event's expression gives the new state from $state, the data as input, and $event")
    void folds() {
        FoldState state = run(fold(false), event(0, "Incremented", "{\"by\":2}"),
                event(1, "Incremented", "{\"by\":3}"), event(2, "Described", "{\"by\":1}"));
        assertThat(state.version()).isEqualTo(2);
        assertThat(state.schemaVersion()).isEqualTo(2);
        assertThat(state.json()).isEqualTo("{\"at\":\"2026-01-02T03:04:05Z\",\"by\":\"u1\",\"count\":5,"
                + "\"last\":\"Described@2\",\"same\":true,\"stream\":\"counter-1\"}");
        FoldState onward = fold(false).start("counter-1", Optional.of(state), 0).finish();
        assertThat(onward).as("no event: the starting state as it was").isEqualTo(state);
    }

    @Test
    @DisplayName("an event type without an expression fails the stream, or changes nothing with unknown-events: ignore")
    void unknownEventTypes() {
        assertThatThrownBy(() -> run(fold(false), event(0, "Renamed", "{}")))
                .isInstanceOf(FoldException.class).hasMessageContaining("no expression for event type Renamed")
                .hasMessageContaining("fold.jsonata.events.Renamed");
        assertThat(run(fold(true), event(0, "Incremented", "{\"by\":2}"), event(1, "Renamed", "{}")))
                .isEqualTo(new FoldState(1, 2, "{\"count\":2}"));
    }

    @Test
    @DisplayName("no value, $error and a JSONata error fail the stream: $error with its author's message, the rest without data")
    void failures() {
        assertThatThrownBy(() -> run(fold(false), event(0, "Nothing", "{}")))
                .isInstanceOf(FoldException.class).hasMessageContaining("gave no value (undefined)");
        assertThatThrownBy(() -> run(fold(false), event(0, "Refused", "{}")))
                .isInstanceOf(FoldException.class)
                .hasMessageContaining("rejected by the JSONata expression: count would go below zero");
        assertThatThrownBy(() -> run(fold(false), event(0, "Broken", "{\"secret\":\"patient-name\"}")))
                .isInstanceOf(FoldException.class).hasMessageContaining("JSONata error T2002")
                .hasMessageNotContaining("patient-name");
        assertThatThrownBy(() -> run(fold(false), event(0, "Incremented", "not json")))
                .isInstanceOf(FoldException.class).hasMessageContaining("not JSON");
    }
}
