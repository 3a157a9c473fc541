package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.store.StoreException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
