package dev.snapshotsidecar.observe;

/**
 * Receives how far long work has come, one phase at a time: the work calls {@link #phase} when it starts something
 * new and {@link #advance} as it gets through it. The command line shows it ({@code cli.Progress}); the work itself
 * neither formats nor prints anything. Implementations are thread-safe, and cheap enough to be called once per
 * stream.
 */
public interface WorkProgress {
    /** Reports nowhere: the null object for work run without anyone watching. */
    WorkProgress NONE = new WorkProgress() {
        @Override
        public void phase(String name, long total) {
            // nobody watches
        }

        @Override
        public void advance(long steps) {
            // nobody watches
        }
    };

    /** Used where the number of steps of a phase is not known in advance. */
    long UNKNOWN = -1;

    /**
     * A new phase begins (and the previous one, if any, ends).
     *
     * @param name  what the phase does, lower case ("reading stream lengths")
     * @param total how many steps it has, or {@link #UNKNOWN}
     */
    void phase(String name, long total);

    /** {@code steps} more steps of the current phase are done. */
    void advance(long steps);
}
