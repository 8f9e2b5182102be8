package io.driftwatch.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.schemas.Records;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {
    private final TopicCatalog catalog = TopicCatalog.builtIn();

    @Test
    void holdsEveryTopicOfTheDesign() {
        assertEquals(List.of("file-events", "container-metadata", "exec-sessions", "exec-sessions-by-container",
                        "file-events-by-container", "enriched-events", "alerts", "response-commands", "response-results", "dead-letter", "rules",
                        "incident-inputs", "incidents", "captures", "image-baselines", "incident-notifications", "drills"),
                catalog.all().stream().map(TopicCatalog.TopicSpec::role).toList());
    }

    @Test
    void joinedInputsAreCoPartitionedAndTablesCompacted() {
        assertEquals(1, TopicCatalog.CO_PARTITIONED.stream().map(r -> catalog.spec(r).partitions()).distinct().count());
        assertTrue(TopicCatalog.CO_PARTITIONED.contains("exec-sessions-by-container"),
                "sessions are re-keyed onto their container's partition");
        assertTrue(TopicCatalog.CO_PARTITIONED.contains("file-events-by-container"),
                "events under another key are re-keyed onto their container's partition");
        assertTrue(catalog.spec("container-metadata").compacted());
        assertTrue(catalog.spec("rules").compacted());
        assertEquals(1, catalog.spec("rules").partitions(), "every instance reads the rule versions in order");
    }

    @Test
    void everyValueIsARecordOfTheContractOrRawBytes() {
        List<String> records = Records.ALL.stream().map(Class::getSimpleName).toList();
        for (TopicCatalog.TopicSpec spec : catalog.all()) {
            assertTrue(records.contains(spec.valueRecord()) || spec.valueRecord().equals("bytes"), spec.toString());
        }
    }

    @Test
    void namesFollowThePrefixUnlessARoleIsNamed() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of("driftwatch.topic.prefix", "prod.dw.",
                "driftwatch.topic.alerts", "security.alerts"));
        assertEquals("prod.dw.file-events", catalog.name("file-events", config));
        assertEquals("security.alerts", catalog.name("alerts", config));
    }

    @Test
    void anUnknownRoleFailsWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> catalog.spec("alert"));
        assertTrue(e.getMessage().contains("'alert'") && e.getMessage().contains("alerts"), e.getMessage());
    }

    @Test
    void aMalformedLineIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopicCatalog.parse(List.of("# header", "alerts\talerts\t6")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
