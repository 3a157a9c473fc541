package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.SnapshotStore.SnapshotInfo;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's views of the snapshots table, on rows in memory. */
class SnapshotInventoryTest {
    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    final List<SnapshotInfo> rows = new ArrayList<>();
    int pages;

    final SnapshotStore store = (SnapshotStore) Proxy.newProxyInstance(SnapshotStore.class.getClassLoader(),
            new Class<?>[]{SnapshotStore.class}, (proxy, method, args) -> switch (method.getName()) {
                case "list" -> rows.stream().filter(r -> r.streamId().equals(args[0]))
                        .sorted(Comparator.comparingLong(SnapshotInfo::version).reversed()).toList();
                case "ofType" -> {
                    pages++;
                    yield rows.stream().filter(r -> r.aggregateType().equals(args[0]))
                            .filter(r -> r.streamId().compareTo((String) args[1]) > 0 || (r.streamId()
                                    .equals(args[1]) && r.version() > (Long) args[2]))
                            .sorted(Comparator.comparing(SnapshotInfo::streamId)
                                    .thenComparingLong(SnapshotInfo::version))
                            .limit((Integer) args[3]).toList();
                }
                default -> throw new UnsupportedOperationException(method.getName());
            });

    void row(String streamId, long version, int schema, long bytes, Duration age) {
        rows.add(new SnapshotInfo(streamId, version, schema, "patient", bytes, NOW.minus(age)));
    }

    @Test
    @DisplayName("a type's walk crosses pages without losing or splitting a stream; ages are of each newest snapshot")
    void typeAcrossPages() {
        for (int i = 0; i < 700; i++) {
            String id = String.format("patient-%04d", i);
            row(id, 49, 1, 100 + i, Duration.ofHours(3));
            row(id, 99, i < 100 ? 2 : 1, 200 + i, Duration.ofMinutes(i));
        }
        SnapshotInventory.Type type = SnapshotInventory.type(store, "patient", OptionalInt.of(1), NOW);
        assertThat(pages).as("1,400 rows in pages of 1,000, and the empty page that ends the walk").isEqualTo(3);
        assertThat(type.streams()).isEqualTo(700);
        assertThat(type.snapshots()).isEqualTo(1400);
        assertThat(type.perStream().max()).isEqualTo(2);
        assertThat(type.perStream().percentile(50)).isEqualTo(2);
        assertThat(type.latestAge().max()).as("the newest of patient-0699, 699 minutes old").isEqualTo(699 * 60);
        assertThat(type.bytes().max()).isEqualTo(899);
        assertThat(type.bySchema()).containsEntry(1, 1300L).containsEntry(2, 100L);
        assertThat(type.text()).contains("patient: 1,400 snapshots of 700 streams", "max 899 bytes",
                "schema 1      1,300 (what its aggregator reads)");
    }

    @Test
    @DisplayName("a stream's snapshots newest first; the one readers of its schema read is the newest of that schema")
    void stream() {
        row("patient-1", 49, 1, 1_234, Duration.ofDays(3));
        row("patient-1", 99, 2, 2_000, Duration.ofMinutes(5));
        SnapshotInventory.Stream stream = SnapshotInventory.stream(store, "patient-1", OptionalInt.of(1), NOW);
        assertThat(stream.read()).map(SnapshotInfo::version).contains(49L);
        assertThat(stream.text()).contains("*         49       1        1,234           3d",
                "          99       2        2,000           5m");
        assertThat(SnapshotInventory.stream(store, "patient-2", OptionalInt.empty(), NOW).text())
                .isEqualTo("no snapshot of patient-2\n");
        assertThat(SnapshotInventory.age(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(SnapshotInventory.age(Duration.ofHours(30))).isEqualTo("30h");
    }
}
