package dev.snapshotsidecar.store.jdbc;

import java.util.List;
import java.util.Map;

/**
 * A dialect's statement and what each of its {@code ?} parameters holds, in order. Shared code binds values by what
 * they are, so a dialect writes its SQL as its database needs it: PostgreSQL's batched DELETE filters on the stream
 * id three times where SQL Server's {@code DELETE TOP} does once. Immutable; the parameter count is checked when it
 * is made, so a statement and its list cannot drift apart unnoticed.
 *
 * @param text       the SQL as the driver receives it
 * @param parameters what each {@code ?} of {@code text} holds, in order
 */
public record Sql(String text, List<Param> parameters) {

    /** What a parameter holds. */
    public enum Param {
        /** The stream id. */
        STREAM_ID,
        /** The stream id a page starts after (exclusive). */
        AFTER_STREAM_ID,
        /** How many rows a page holds at most. */
        LIMIT,
        /** A snapshot's schema version. */
        SCHEMA_VERSION,
        /** The first event version to read (inclusive). */
        FROM_VERSION,
        /** The last event version to read (inclusive). */
        TO_VERSION,
        /** How many of the newest snapshots to pass over to reach the oldest one kept: keep - 1. */
        KEEP_OFFSET,
        /** A global position in the events table; negative means none. */
        POSITION,
        /** A stream version: a snapshot's, or the one a page starts after. */
        VERSION,
        /** An aggregate type, as the snapshots table names it. */
        AGGREGATE_TYPE
    }

    public Sql {
        parameters = List.copyOf(parameters);
        long marks = placeholders(text);
        if (marks != parameters.size()) {
            throw new IllegalArgumentException("the statement has " + marks + " parameters but " + parameters.size()
                    + " are named " + parameters + ": " + text);
        }
    }

    public static Sql of(String text, Param... parameters) {
        return new Sql(text, List.of(parameters));
    }

    /**
     * The values to bind, in the statement's order, taken from {@code values} by what each parameter holds; values
     * the statement does not use are ignored.
     *
     * @throws IllegalArgumentException when a parameter of the statement has no value
     */
    public Object[] values(Map<Param, ?> values) {
        Object[] bound = new Object[parameters.size()];
        for (int i = 0; i < bound.length; i++) {
            Param parameter = parameters.get(i);
            if (!values.containsKey(parameter)) {
                throw new IllegalArgumentException("no value for " + parameter + " of: " + text);
            }
            bound[i] = values.get(parameter);
        }
        return bound;
    }

    /** The {@code ?} marks outside quoted literals. */
    private static long placeholders(String text) {
        long marks = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '?' && !quoted) {
                marks++;
            }
        }
        return marks;
    }
}
