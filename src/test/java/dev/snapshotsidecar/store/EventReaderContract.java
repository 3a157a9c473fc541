package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.StoredEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every dialect's {@link EventReader} must do; written once, run per database. */
public abstract class EventReaderContract {

    /** Stores over an empty events table of their own, with a fetch size of 7 and a pool of 2. */
    protected abstract DialectStores stores();

    void write(String streamId, int count) {
        List<EventAppender.NewEvent> events = new ArrayList<>();
        for (int v = 0; v < count; v++) {
            events.add(new EventAppender.NewEvent(streamId, v, "E" + v, "{\"n\":" + v + ",\"text\":\"Zoë\"}"));
        }
        stores().appender().append(events);
    }

    List<StoredEvent> read(String streamId, long from, long to) {
        List<StoredEvent> events = new ArrayList<>();
        stores().events().read(streamId, from, to, events::add);
        return events;
    }

    @Test
    @DisplayName("reads one stream's events in version order, within the bounds")
    void range() {
        write("s-1", 30);
        write("s-2", 5);
        List<StoredEvent> events = read("s-1", 10, 19);
        assertThat(events).extracting(StoredEvent::version).containsExactly(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L,
                18L, 19L);
        assertThat(events).allSatisfy(e -> assertThat(e.streamId()).isEqualTo("s-1"));
        assertThat(events.get(0).eventType()).isEqualTo("E10");
        assertThat(events.get(0).data()).contains("\"n\"", "10", "Zoë");
    }

    @Test
    @DisplayName("a stream longer than the fetch size arrives whole and in order")
    void beyondFetchSize() {
        write("s-3", 100);
        assertThat(read("s-3", 0, Long.MAX_VALUE)).extracting(StoredEvent::version)
                .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 100).boxed().toList());
    }

    @Test
    @DisplayName("an empty range reads nothing")
    void empty() {
        assertThat(stores().events().read("s-none", 0, 100, e -> { })).isZero();
    }

    @Test
    @DisplayName("an exception in the sink propagates and the connection goes back to the pool")
    void sinkFailure() {
        write("s-4", 20);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> stores().events().read("s-4", 0, 19, e -> {
                throw new IllegalStateException("fold failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("fold failed");
        }
        assertThat(read("s-4", 0, 19)).hasSize(20);
    }

    @Test
    @DisplayName("stream ends come in keyset pages of the last event of each stream, in id order, every one once")
    void streamEnds() {
        write("e-1", 3);
        write("e-2", 12);
        write("e-3", 1);
        write("e-4", 7);
        List<EventReader.StreamEnd> first = stores().events().streamEnds("e-", 3);
        assertThat(first).extracting(EventReader.StreamEnd::streamId).containsExactly("e-1", "e-2", "e-3");
        assertThat(first).extracting(EventReader.StreamEnd::lastVersion).containsExactly(2L, 11L, 0L);
        assertThat(first.get(1).lastEventType()).isEqualTo("E11");
        assertThat(first.get(1).lastPosition()).as("the position of its last row")
                .isEqualTo(read("e-2", 11, 11).get(0).position());
        assertThat(first.get(1).lastEventAt()).isEqualTo(read("e-2", 11, 11).get(0).createdAt());
        List<EventReader.StreamEnd> next = stores().events().streamEnds("e-3", 3);
        assertThat(next).extracting(EventReader.StreamEnd::streamId).contains("e-4").doesNotContain("e-1", "e-3");
        assertThat(next.get(0).lastVersion()).isEqualTo(6);
    }

    @Test
    @DisplayName("appending a version that exists fails and writes nothing of its batch")
    void optimisticConcurrency() {
        write("s-5", 3);
        assertThatThrownBy(() -> stores().appender().append(List.of(
                new EventAppender.NewEvent("s-5", 3, "E3", "{}"),
                new EventAppender.NewEvent("s-5", 2, "E2", "{}")))).isInstanceOf(PermanentStoreException.class);
        assertThat(read("s-5", 0, 10)).hasSize(3);
    }
}
