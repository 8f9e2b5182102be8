package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.LayerVisitor;

/** One check's work on one image: sees the layers' entries as they are read, then the final filesystem. */
public interface CheckRun extends LayerVisitor {

    /** After every layer was read; checks of the final filesystem report here. */
    default void finish(ImageScan scan) {
    }
}
