package io.driftwatch.rules.image;

import io.driftwatch.model.ImageBaseline;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the rules find a container's image baseline (the image's file manifest, keyed by image digest): the drift
 * rules compare what a container does with what its image held. The streams app answers from its global
 * {@code image-baselines} store through a bounded cache; replay and the fixtures from baselines held in memory
 * ({@link #of}). Kept free of Kafka, so that the rule engine, replay and the rule tests share it.
 *
 * <p>Called on the evaluating thread, at most once per event and only for events a drift rule looks at: an
 * implementation must answer from memory in the common case (a couple of hash look-ups).
 */
@FunctionalInterface
public interface ImageBaselines {
  /** No baselines at all: every image is unknown and the drift rules stay silent. */
  ImageBaselines NONE = digest -> null;

  /**
   * The index of the image's baseline, or null when there is none for {@code imageDigest} (never published, or
   * deleted). An implementation that counts missing baselines does it here.
   */
  ImageIndex find(String imageDigest);

  /** Baselines held in memory, indexed once; a later baseline of the same digest replaces an earlier one. */
  static ImageBaselines of(Collection<ImageBaseline> baselines) {
    Map<String, ImageIndex> byDigest = new HashMap<>();
    for (ImageBaseline baseline : baselines) {
      byDigest.put(baseline.getImageDigest(), ImageIndex.of(baseline));
    }
    return byDigest::get;
  }
}
