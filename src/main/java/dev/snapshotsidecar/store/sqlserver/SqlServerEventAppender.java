package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventAppender;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

final class SqlServerEventAppender implements EventAppender {
    private final DataSource dataSource;
    private final String sql;

    SqlServerEventAppender(SidecarConfig.Database db, DataSource dataSource) {
        this.dataSource = dataSource;
        SidecarConfig.Columns c = db.columns();
        this.sql = "INSERT INTO " + SqlServerStores.table(db, db.eventsTable()) + " (" + c.streamId() + ", " + c.streamVersion()
                + ", " + c.eventType() + ", " + c.eventData() + ") VALUES (?, ?, ?, ?)";
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
            throw SqlServerErrors.classify("appending " + events.size() + " events", e);
        }
    }
}
