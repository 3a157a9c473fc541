package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.StoreException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one statement on a pooled connection and turns a failure into the dialect's {@link StoreException}. The SQL
 * itself stays in the dialect classes. Thread-safe.
 */
public final class Jdbc {
    /** The dialect's rule for retrying or giving up, by SQLSTATE or vendor code. */
    @FunctionalInterface
    public interface Classifier {
        StoreException classify(String operation, SQLException e);
    }

    /** Reads one row. */
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet row) throws SQLException;
    }

    private final DataSource dataSource;
    private final Classifier classifier;

    public Jdbc(DataSource dataSource, Classifier classifier) {
        this.dataSource = dataSource;
        this.classifier = classifier;
    }

    /** A table's name qualified by the configured schema. */
    public static String table(SidecarConfig.Database database, String table) {
        return database.tables().schema() + "." + table;
    }

    /** The dialect's exception for a failure of a statement run outside this class. */
    public StoreException classify(String operation, SQLException e) {
        return classifier.classify(operation, e);
    }

    /** Every row of the query, with the parameters bound in order. */
    public <T> List<T> list(String operation, String sql, Row<T> row, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(row.map(rows));
            }
            return result;
        } catch (SQLException e) {
            throw classifier.classify(operation, e);
        }
    }

    /** The first row of the query, if there is one. */
    public <T> Optional<T> first(String operation, String sql, Row<T> row, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(row.map(rows)) : Optional.empty();
        } catch (SQLException e) {
            throw classifier.classify(operation, e);
        }
    }

    /**
     * Streams the rows of a query to {@code sink}, {@code fetchSize} rows per round trip; with {@code cursor} the
     * query runs in a transaction that is rolled back afterwards (PostgreSQL's driver only streams outside
     * autocommit). An exception from the sink propagates unchanged. @return rows passed on
     */
    public <T> long stream(String operation, String sql, int fetchSize, boolean cursor, Row<T> row,
                           java.util.function.Consumer<T> sink, Object... parameters) {
        try (Connection connection = dataSource.getConnection()) {
            if (cursor) {
                connection.setAutoCommit(false);
            }
            try (PreparedStatement statement = prepare(connection, sql, parameters)) {
                statement.setFetchSize(fetchSize);
                long count = 0;
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        sink.accept(row.map(rows));
                        count++;
                    }
                }
                return count;
            } finally {
                if (cursor) {
                    connection.rollback();
                }
            }
        } catch (SQLException e) {
            throw classifier.classify(operation, e);
        }
    }

    /** Reads an event row selected as stream_version, event_type, event_data, metadata, created_at, global position. */
    public static StoredEvent event(String streamId, ResultSet row) throws SQLException {
        Timestamp created = row.getTimestamp(5);
        return new StoredEvent(streamId, row.getLong(1), row.getString(2), row.getString(3),
                Optional.ofNullable(row.getString(4)), created == null ? Instant.EPOCH : created.toInstant(),
                row.getLong(6));
    }

    /** Runs a bounded DELETE again until it removes fewer than {@code batch} rows. @return rows deleted */
    public int deleteInBatches(String operation, String sql, int batch, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = prepare(connection, sql, parameters)) {
            int total = 0;
            int deleted;
            do {
                deleted = statement.executeUpdate();
                total += deleted;
            } while (deleted == batch);
            return total;
        } catch (SQLException e) {
            throw classifier.classify(operation, e);
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement;
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
    }
}
