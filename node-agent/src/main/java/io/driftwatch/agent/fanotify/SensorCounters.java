package io.driftwatch.agent.fanotify;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What the sensor read, emitted and left out, and why; printed by the agent and the benchmarks. */
public final class SensorCounters {
    /** fanotify events read from the kernel (one may stand for several merged operations). */
    public final AtomicLong kernelEvents = new AtomicLong();
    /** FAN_Q_OVERFLOW notices: the kernel dropped events (only without an unlimited queue). */
    public final AtomicLong kernelOverflows = new AtomicLong();
    /** FileEvents handed to the publisher. */
    public final AtomicLong emitted = new AtomicLong();
    /** FileEvents the publisher's buffer had no room for: dropped, and counted here exactly. */
    public final AtomicLong dropped = new AtomicLong();
    /** Events whose directory could no longer be opened (removed before the event was read). */
    public final AtomicLong unresolved = new AtomicLong();
    /** Events on a marked filesystem but outside every container root (host activity). */
    public final AtomicLong outsideContainers = new AtomicLong();
    /** Events caused by the agent itself. */
    public final AtomicLong self = new AtomicLong();
    /** Repeated MODIFY/OPEN_READ of one file by one process folded into the first. */
    public final AtomicLong folded = new AtomicLong();
    /** ATTRIB events that changed neither mode nor owner (timestamps, xattrs): not reported. */
    public final AtomicLong attribOther = new AtomicLong();
    /** Overlayfs copy-up and work-directory traffic recognised and not reported as the container's. */
    public final AtomicLong overlayInternal = new AtomicLong();
    /** Events whose process had exited before /proc could be read. */
    public final AtomicLong processGone = new AtomicLong();
    /**
     * Events whose handling threw (a bug, or input no one foresaw): each is counted here and logged (rate-limited),
     * and the rest of the kernel's read buffer is handled all the same.
     */
    public final AtomicLong handlingFailed = new AtomicLong();
    /** Events whose command line was longer than the cap and cut (their {@code truncated} lists "cmdline"). */
    public final AtomicLong cmdlineTruncated = new AtomicLong();
    /** New files held open for a moment by the pin group, so that their mode can be read after they are gone. */
    public final AtomicLong pinned = new AtomicLong();
    /** Opens the pin group could not take over (the kernel failed to open the file for it). */
    public final AtomicLong pinFailed = new AtomicLong();
    /** Times the pin group's queue overflowed (opens lost to it; the main group is not affected). */
    public final AtomicLong pinOverflows = new AtomicLong();
    /** Objects whose mode or link count was read from a pinned descriptor or their handle, their name being gone. */
    public final AtomicLong statFromObject = new AtomicLong();
    /** Mounts of containers watched besides their roots (their /dev, /dev/shm, volumes). */
    public final AtomicLong mountsWatched = new AtomicLong();
    /** Container mounts that could not be watched (a filesystem without file handles, a mark refused). */
    public final AtomicLong mountsRefused = new AtomicLong();
    /** FileEvents of the node itself (host FIM, containerId {@code host}) handed to the publisher. */
    public final AtomicLong hostEvents = new AtomicLong();
    /** Events in a watched host path that were reads, opens or executions: host FIM reports changes only. */
    public final AtomicLong hostIgnored = new AtomicLong();
    /** Executed files whose SHA-256 came from the hash cache. */
    public final AtomicLong execHashHits = new AtomicLong();
    /** Executed files read and hashed (not in the cache). */
    public final AtomicLong execHashMisses = new AtomicLong();
    /** Executed files not hashed because they were larger than the size cap. */
    public final AtomicLong execHashSkipped = new AtomicLong();
    /** Executed files not hashed because they could not be opened or read (gone, no handle, not a regular file). */
    public final AtomicLong execHashFailed = new AtomicLong();

    /**
     * Registers the sensor's counters (src/monitoring.md): what it emitted and dropped, what the kernel sent and
     * dropped, and what it could not handle. Read at scrape time: nothing is added to the sensor's path.
     */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        counter(registry, "driftwatch.sensor.events", emitted, "FileEvents the sensor handed to the publisher");
        counter(registry, "driftwatch.sensor.events.dropped", dropped, "FileEvents dropped: the publisher's buffer was full");
        counter(registry, "driftwatch.sensor.kernel.events", kernelEvents, "fanotify events read from the kernel");
        counter(registry, "driftwatch.sensor.kernel.overflows", kernelOverflows,
                "Kernel queue overflows (events lost in the kernel; only with --bounded-kernel-queue)");
        counter(registry, "driftwatch.sensor.handling.failures", handlingFailed, "Events whose handling threw");
        counter(registry, "driftwatch.sensor.unresolved", unresolved, "Events whose directory was gone before it was read");
        counter(registry, "driftwatch.sensor.cmdline.truncated", cmdlineTruncated, "Events whose command line was cut");
        counter(registry, "driftwatch.sensor.pin.overflows", pinOverflows, "Overflows of the pin group's queue");
        counter(registry, "driftwatch.sensor.host.events", hostEvents,
                "FileEvents of the node itself (host FIM, containerId host) handed to the publisher");
        hashCounter(registry, "hit", execHashHits, "Executed files whose SHA-256 came from the cache");
        hashCounter(registry, "miss", execHashMisses, "Executed files read and hashed");
        hashCounter(registry, "skipped", execHashSkipped, "Executed files not hashed: larger than the size cap");
        hashCounter(registry, "failed", execHashFailed, "Executed files not hashed: gone or unreadable");
    }

    /** One result of exec hashing, as a tag (never a path: the tags' values are these four words). */
    private static void hashCounter(io.micrometer.core.instrument.MeterRegistry registry, String result, AtomicLong value,
                                    String description) {
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.sensor.exec.hash", value, AtomicLong::doubleValue)
                .tag("result", result).description(description).register(registry);
    }

    private static void counter(io.micrometer.core.instrument.MeterRegistry registry, String name, AtomicLong value,
                                String description) {
        io.micrometer.core.instrument.FunctionCounter.builder(name, value, AtomicLong::doubleValue)
                .description(description).register(registry);
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("kernelEvents", kernelEvents.get());
        m.put("kernelOverflows", kernelOverflows.get());
        m.put("emitted", emitted.get());
        m.put("dropped", dropped.get());
        m.put("unresolved", unresolved.get());
        m.put("outsideContainers", outsideContainers.get());
        m.put("self", self.get());
        m.put("folded", folded.get());
        m.put("attribOther", attribOther.get());
        m.put("overlayInternal", overlayInternal.get());
        m.put("processGone", processGone.get());
        m.put("handlingFailed", handlingFailed.get());
        m.put("cmdlineTruncated", cmdlineTruncated.get());
        m.put("pinned", pinned.get());
        m.put("pinFailed", pinFailed.get());
        m.put("pinOverflows", pinOverflows.get());
        m.put("statFromObject", statFromObject.get());
        m.put("mountsWatched", mountsWatched.get());
        m.put("mountsRefused", mountsRefused.get());
        m.put("hostEvents", hostEvents.get());
        m.put("hostIgnored", hostIgnored.get());
        m.put("execHashHits", execHashHits.get());
        m.put("execHashMisses", execHashMisses.get());
        m.put("execHashSkipped", execHashSkipped.get());
        m.put("execHashFailed", execHashFailed.get());
        return m;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
