package dev.snapshotsidecar.fold.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/**
 * The bearer token of an endpoint: a configured value, or a file mounted from a secret, read again when its
 * modification time changes (a rotated secret takes effect without a restart). Thread-safe. Never logged.
 */
final class BearerToken {
    private final Optional<String> value;
    private final Optional<Path> file;
    private FileTime readAt;
    private Optional<String> fromFile = Optional.empty();

    BearerToken(Optional<String> value, Optional<Path> file) {
        this.value = value;
        this.file = file;
    }

    /** The token to send now, if any. @throws IOException when the file cannot be read */
    synchronized Optional<String> current() throws IOException {
        if (value.isPresent() || file.isEmpty()) {
            return value;
        }
        FileTime modified = Files.getLastModifiedTime(file.get());
        if (!modified.equals(readAt)) {
            fromFile = Optional.of(Files.readString(file.get()).strip()).filter(t -> !t.isEmpty());
            readAt = modified;
        }
        return fromFile;
    }
}
