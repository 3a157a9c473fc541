package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.store.EventAppender;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The {@link EventAppender} of every dialect: one batch of INSERTs in one transaction; a dialect's subclass passes in
 * its INSERT. Made once per pool; thread-safe, each call takes and returns a pooled connection.
 */
public abstract class JdbcEventAppender implements EventAppender {
    private final DataSource dataSource;
    private final Jdbc.Classifier classifier;
    private final String sql;

    /** @param sql an INSERT of one event, binding its stream id, version, event type and data, in that order */
    protected JdbcEventAppender(DataSource dataSource, Jdbc.Classifier classifier, String sql) {
        this.dataSource = dataSource;
        this.classifier = classifier;
        this.sql = sql;
    }

    @Override
    public void append(List<NewEvent> events) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (NewEvent event : events) {
                    statement.setString(1, event.streamId());
                    statement.setLong(2, event.version());
                    statement.setString(3, event.eventType());
                    statement.setString(4, event.data());
                    statement.addBatch();
                }
                statement.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw classifier.classify("appending " + events.size() + " events", e);
        }
    }
}
