package io.driftwatch.schemas;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.RuleBundle;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Every top-level record of the public contract (DESIGN.md "Records"), in one list. */
public final class Records {
    public static final List<Class<? extends SpecificRecord>> ALL = List.of(
            FileEvent.class,
            ContainerMetadata.class,
            ExecSession.class,
            EnrichedEvent.class,
            Alert.class,
            ResponseCommand.class,
            ResponseResult.class,
            RuleBundle.class,
            io.driftwatch.model.Incident.class,
            io.driftwatch.model.IncidentInput.class,
            io.driftwatch.model.Capture.class,
            io.driftwatch.model.ImageBaseline.class,
            io.driftwatch.model.IncidentNotification.class,
            io.driftwatch.model.DrillReport.class);

    private Records() {
    }

    public static Schema schemaOf(Class<? extends SpecificRecord> recordClass) {
        return SpecificData.get().getSchema(recordClass);
    }
}
