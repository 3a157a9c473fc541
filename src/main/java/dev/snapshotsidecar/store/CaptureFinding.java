package dev.snapshotsidecar.store;

/**
 * What a start-up check of the database's change data capture found. Immutable.
 *
 * @param severity how it matters
 * @param finding  what was found, naming the database objects, never data
 * @param fix      what to do about it; empty when nothing is to be done
 */
public record CaptureFinding(Severity severity, String finding, String fix) {

    /** How a finding matters. */
    public enum Severity {
        /** Worth knowing (the capture job's polling interval, CDC's retention). */
        INFO,
        /** Something may go wrong, or could not be checked. */
        WARNING,
        /** The sidecar cannot see the events: a start fails on it unless {@code database.check-capture} is false. */
        PROBLEM
    }

    @Override
    public String toString() {
        return finding + (fix.isEmpty() ? "" : "; " + fix);
    }
}
