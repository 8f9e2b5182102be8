package io.driftwatch.schemas.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.SampleRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonRecordsTest {

    @Test
    void readsPlainJsonIgnoringUnknownAndMissingOptionalFields() throws Exception {
        FileEvent event = JsonRecords.read("""
                {"eventId": "e1", "timestamp": 1795082403000, "containerId": "c0ffee01", "type": "CHMOD",
                 "path": "/usr/bin/dpkg", "mode": 420, "uid": 0, "somethingNew": {"x": 1}}""", FileEvent.class);
        assertEquals(EventType.CHMOD, event.getType());
        assertEquals(420, event.getMode());
        assertEquals(0L, event.getUid());
        assertNull(event.getNode());
        assertNull(event.getPreviousMode());
    }

    @Test
    void defaultsFillMissingCollections() throws Exception {
        ContainerMetadata metadata = JsonRecords.read("{\"containerId\": \"c1\"}", ContainerMetadata.class);
        assertTrue(metadata.getLabels().isEmpty());
        assertEquals(false, metadata.getPrivileged());
    }

    @Test
    void everyRecordRoundTripsWithEveryFieldWritten() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        for (SpecificRecord record : SampleRecords.all()) {
            String json = JsonRecords.write(record);
            JsonNode node = mapper.readTree(json);
            assertEquals(record.getSchema().getFields().size(), node.size(), json);
            assertEquals(record, JsonRecords.read(json, record.getClass()), json);
        }
        assertTrue(JsonRecords.write(SampleRecords.fileEvent()).contains("\"newPath\":null"));
    }

    @Test
    void aMissingRequiredFieldOrWrongTypeIsNamed() {
        JsonRecordException missing = assertThrows(JsonRecordException.class, () -> JsonRecords.read(
                "{\"eventId\": \"e1\", \"timestamp\": 1, \"containerId\": \"c\", \"type\": \"EXEC\"}", FileEvent.class));
        assertTrue(missing.getMessage().contains("missing required field 'path'"), missing.getMessage());
        JsonRecordException wrongType = assertThrows(JsonRecordException.class, () -> JsonRecords.read(
                "{\"eventId\": \"e1\", \"timestamp\": \"soon\", \"containerId\": \"c\", \"type\": \"EXEC\", \"path\": \"/x\"}",
                FileEvent.class));
        assertTrue(wrongType.getMessage().contains("'timestamp'") && wrongType.getMessage().contains("integer"),
                wrongType.getMessage());
        JsonRecordException badEnum = assertThrows(JsonRecordException.class, () -> JsonRecords.read(
                "{\"eventId\": \"e1\", \"timestamp\": 1, \"containerId\": \"c\", \"type\": \"WRITE\", \"path\": \"/x\"}",
                FileEvent.class));
        assertTrue(badEnum.getMessage().contains("\"WRITE\" is not one of"), badEnum.getMessage());
    }

    @Test
    void aBadLineNamesFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.write(file, List.of(JsonRecords.write(SampleRecords.fileEvent()), "", "{not json"));
        JsonRecordException e = assertThrows(JsonRecordException.class, () -> JsonRecords.readLines(file, FileEvent.class));
        assertTrue(e.getMessage().startsWith(file + ":3: not valid JSON"), e.getMessage());
    }
}
