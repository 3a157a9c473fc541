package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.RequestReason;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Never two builds of one stream at once in this worker: a request for a stream being built waits; when the build
 * finishes, every request that waited is handled by one task, which runs the last ERASE among them and then the newest
 * build requested after it ({@link #plan}). Not thread-safe: owned by the worker's poll thread.
 */
final class SingleFlight {
    private final Map<String, Deque<Job>> waiting = new HashMap<>();

    /** @return true when the stream is free, and now taken: the caller builds the job; else the job waits */
    boolean admit(Job job) {
        Deque<Job> queue = waiting.get(job.request().streamId());
        if (queue != null) {
            queue.add(job);
            return false;
        }
        waiting.put(job.request().streamId(), new ArrayDeque<>());
        return true;
    }

    /**
     * The stream's build finished. @return the requests that waited for it, to be handled now (the stream stays
     * taken), or none, and the stream is free again
     */
    List<Job> finished(String streamId, boolean more) {
        Deque<Job> queue = waiting.get(streamId);
        if (queue == null || queue.isEmpty() || !more) {
            waiting.remove(streamId);
            return List.of();
        }
        List<Job> next = new ArrayList<>(queue);
        queue.clear();
        return next;
    }

    /** Drops the waiting requests that match (their partition moved): @return how many */
    int drop(Predicate<Job> which) {
        int dropped = 0;
        for (Deque<Job> queue : waiting.values()) {
            for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                if (which.test(it.next())) {
                    it.remove();
                    dropped++;
                }
            }
        }
        return dropped;
    }

    /**
     * What one task runs of the requests that gathered for a stream: the last ERASE among them (builds requested
     * before it are moot, the events are gone), then the newest build requested after it; all of them finish with it.
     */
    static List<Job> plan(List<Job> jobs) {
        int lastErase = -1;
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).request().reason() == RequestReason.ERASE) {
                lastErase = i;
            }
        }
        List<Job> plan = new ArrayList<>();
        if (lastErase >= 0) {
            plan.add(jobs.get(lastErase));
        }
        jobs.subList(lastErase + 1, jobs.size()).stream()
                .max(Comparator.comparingLong(j -> j.request().headVersion())).ifPresent(plan::add);
        return plan;
    }
}
