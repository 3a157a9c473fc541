package dev.snapshotsidecar.ingest;

/**
 * Why a well-formed change event moves no head (counted by {@code sidecar.ingest.events}). Events are append-only, so:
 * <ul>
 *   <li>{@link #UPDATE}: an event row was changed in place; versions did not move, nothing to do.</li>
 *   <li>{@link #DELETE} and {@link #TOMBSTONE}: an event row was deleted. The head does not move; with erasure on,
 *       the tracker owes the stream an erasure, which the database confirms once none of its events remain.</li>
 *   <li>{@link #TRUNCATE}: the table was truncated; heads are kept, and a later insert at a lower version is a
 *       duplicate to them.</li>
 *   <li>{@link #MESSAGE}: a logical decoding message, not a row.</li>
 *   <li>{@link #UNTRACKED_TYPE}: an insert into a stream no configured aggregate type recognises.</li>
 * </ul>
 */
public enum IgnoredReason { UPDATE, DELETE, TOMBSTONE, TRUNCATE, MESSAGE, UNTRACKED_TYPE }
