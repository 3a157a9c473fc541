package dev.snapshotsidecar.fold;

import java.util.Objects;

/**
 * A state as it is stored: the JSON text the fold wrote, the version of the last event folded into it and the
 * version of its JSON form. What a fold starts from (the latest snapshot) and what it ends with.
 *
 * @param version       the stream version of the last event folded in; {@code firstVersion - 1} for the initial state
 * @param schemaVersion the version of the JSON form, as {@link Fold#schemaVersion()} says
 * @param json          the state; may hold patient data, so it is never logged
 */
public record FoldState(long version, int schemaVersion, String json) {
    public FoldState {
        Objects.requireNonNull(json, "json");
    }

    @Override
    public String toString() {
        // never the state: it may hold patient data
        return "FoldState[version " + version + ", schema " + schemaVersion + ", " + json.length() + " chars]";
    }
}
