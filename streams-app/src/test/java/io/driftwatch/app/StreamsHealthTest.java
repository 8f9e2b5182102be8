package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

class StreamsHealthTest {
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final StreamsHealth health = new StreamsHealth(state::get);

    @Test
    void readyOnlyWhenRunningWithEveryStoreRestored() {
        assertFalse(health.ready().up());
        assertTrue(health.live().up(), "starting is alive");
        state.set(State.REBALANCING);
        assertFalse(health.ready().up());
        assertEquals("Kafka Streams is REBALANCING, not RUNNING", health.ready().reason());
        state.set(State.RUNNING);
        TopicPartition p0 = new TopicPartition("app-held-events-changelog", 0);
        TopicPartition p1 = new TopicPartition("app-held-events-changelog", 1);
        health.onRestoreStart(p0, "held-events", 0, 100);
        health.onRestoreStart(p1, "held-events", 0, 100);
        assertFalse(health.ready().up(), "RUNNING while stores restore in the background is not ready");
        assertEquals(503, health.ready().httpStatus());
        health.onRestoreEnd(p0, "held-events", 100);
        assertTrue(health.ready().reason().contains("1 store partition(s)"), health.ready().reason());
        health.onRestoreSuspended(p1, "held-events", 40); // the task moved to another instance
        assertTrue(health.ready().up());
        assertEquals(200, health.ready().httpStatus());
    }

    @Test
    void deadStatesAreNotLive() {
        for (State dead : new State[] {State.PENDING_ERROR, State.ERROR, State.NOT_RUNNING}) {
            state.set(dead);
            assertFalse(health.live().up(), dead.name());
            assertFalse(health.ready().up(), dead.name());
        }
        state.set(State.PENDING_SHUTDOWN);
        assertTrue(health.live().up());
    }
}
