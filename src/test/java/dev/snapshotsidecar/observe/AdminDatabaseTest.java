package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.TransientStoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AdminDatabaseTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger reads = new AtomicInteger();

    /** A data source whose connections answer isValid with {@code valid}, or that fails with {@code failure}. */
    DataSource database(boolean valid, Optional<SQLException> failure) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    connections.incrementAndGet();
                    if (failure.isPresent()) {
                        throw failure.get();
                    }
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                            (c, m, a) -> switch (m.getName()) {
                                case "isValid" -> valid;
                                case "close" -> null;
                                default -> throw new UnsupportedOperationException(m.getName());
                            });
                });
    }

    SnapshotStore snapshots(Optional<RuntimeException> failure) {
        return new SnapshotStore() {
            @Override
            public Optional<StoredSnapshot> latest(String streamId, int schemaVersion) {
                reads.incrementAndGet();
                failure.ifPresent(e -> {
                    throw e;
                });
                return Optional.of(new StoredSnapshot(streamId, 49, "patient", "{}", schemaVersion));
            }

            @Override
            public boolean save(StoredSnapshot snapshot) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<String> streamIds(String afterStreamId, int limit) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<StreamVersion> latestVersions(String afterStreamId, int limit) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int prune(String streamId, int keep) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Saved saveAndPrune(StoredSnapshot snapshot, long eventPosition, int keep) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Erased erase(String streamId, long position) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int deleteAll(String streamId) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<SnapshotInfo> list(String streamId) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<StoredSnapshot> read(String streamId, long version) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<SnapshotInfo> ofType(String aggregateType, String afterStreamId, long afterVersion,
                                             int limit) {
                throw new UnsupportedOperationException();
            }
        };
    }

    AdminDatabase admin(DataSource dataSource, SnapshotStore snapshots) {
        return new AdminDatabase(dataSource, snapshots, () -> { }, nanos::get);
    }

    @Test
    @DisplayName("not ready before the first check; the probe then reads the last verdict without asking the database")
    void verdictIsCached() {
        AdminDatabase admin = admin(database(true, Optional.empty()), snapshots(Optional.empty()));
        assertThat(admin.problem()).get().asString().contains("not been checked yet");
        admin.check();
        for (int i = 0; i < 100; i++) {
            assertThat(admin.problem()).isEmpty();
        }
        assertThat(connections).hasValue(1);
    }

    @Test
    @DisplayName("an unreachable database is reported with its SQLSTATE, never with the driver's message")
    void unreachable() {
        SQLException refused = new SQLException("Connection to jdbc:postgresql://db/events?password=hunter2 refused",
                "08001");
        AdminDatabase admin = admin(database(true, Optional.of(refused)), snapshots(Optional.empty()));
        admin.check();
        assertThat(admin.problem()).get().asString().contains("database", "SQLSTATE 08001")
                .doesNotContain("hunter2");
    }

    @Test
    @DisplayName("a connection that fails its validity check is a problem")
    void invalid() {
        AdminDatabase admin = admin(database(false, Optional.empty()), snapshots(Optional.empty()));
        admin.check();
        assertThat(admin.problem()).get().asString().contains("did not answer a check within 1 s");
    }

    @Test
    @DisplayName("a verdict older than the staleness limit says the check itself stopped finishing")
    void stale() {
        AdminDatabase admin = admin(database(true, Optional.empty()), snapshots(Optional.empty()));
        admin.check();
        nanos.addAndGet(AdminDatabase.STALE_AFTER.toNanos());
        assertThat(admin.problem()).isEmpty();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(admin.problem()).get().asString().contains("has not answered a check for 11 s");
    }

    @Test
    @DisplayName("a lookup reads the admin pool while the database answers, and does not try while it does not")
    void latest() {
        AdminDatabase up = admin(database(true, Optional.empty()), snapshots(Optional.empty()));
        up.check();
        assertThat(up.latest("patient-1", 1)).isInstanceOfSatisfying(AdminOperations.LatestSnapshot.Known.class,
                known -> assertThat(known.snapshot()).get().extracting(StoredSnapshot::version).isEqualTo(49L));

        AdminDatabase down = admin(database(true, Optional.of(new SQLException("refused", "08001"))),
                snapshots(Optional.empty()));
        down.check();
        reads.set(0);
        assertThat(down.latest("patient-1", 1)).isInstanceOfSatisfying(
                AdminOperations.LatestSnapshot.Unavailable.class,
                unavailable -> assertThat(unavailable.reason()).contains("SQLSTATE 08001"));
        assertThat(reads).hasValue(0);
    }

    @Test
    @DisplayName("a read that fails is reported as unavailable with the operation and SQLSTATE")
    void readFails() {
        TransientStoreException failure = new TransientStoreException("loading the latest snapshot of patient-1",
                Optional.of("08006"), 0, new SQLException("I/O error", "08006"));
        AdminDatabase admin = admin(database(true, Optional.empty()), snapshots(Optional.of(failure)));
        admin.check();
        assertThat(admin.latest("patient-1", 1)).isInstanceOfSatisfying(AdminOperations.LatestSnapshot.Unavailable.class,
                unavailable -> assertThat(unavailable.reason())
                        .isEqualTo("loading the latest snapshot of patient-1 failed (SQLSTATE 08006, SQLException)"));
    }
}
