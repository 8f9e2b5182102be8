package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;

/**
 * The cache of image baseline indexes the drift rules read (src/rule-authoring.md, "Drift"). Every instance holds
 * every baseline in its global {@code image-baselines} store on disk; in memory it keeps the indexes of the images
 * its containers ran lately, each about 200 bytes a file, bounded by both numbers below (least recently used first
 * out).
 *
 * @param cachedImages at most this many images' indexes in memory ({@value #CACHE_IMAGES}, default 32)
 * @param cachedFiles  at most this many files over all cached indexes ({@value #CACHE_FILES}, default 500,000:
 *                     about 100 MB); an image with more files than this is still indexed, alone
 */
public record ImageSettings(int cachedImages, long cachedFiles) {
    public static final String CACHE_IMAGES = "driftwatch.images.cache.images";
    public static final String CACHE_FILES = "driftwatch.images.cache.files";

    public ImageSettings {
        if (cachedImages < 1) {
            throw new IllegalArgumentException("Configuration '" + CACHE_IMAGES + "' must be at least 1, was "
                    + cachedImages);
        }
        if (cachedFiles < 1) {
            throw new IllegalArgumentException("Configuration '" + CACHE_FILES + "' must be at least 1, was "
                    + cachedFiles);
        }
    }

    public static ImageSettings defaults() {
        return new ImageSettings(32, 500_000);
    }

    public static ImageSettings from(DriftwatchConfig config) {
        return new ImageSettings((int) number(config, CACHE_IMAGES, 32, Integer.MAX_VALUE),
                number(config, CACHE_FILES, 500_000, Long.MAX_VALUE));
    }

    private static long number(DriftwatchConfig config, String key, long fallback, long max) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < 1 || parsed > max) {
                throw new NumberFormatException("out of range");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be a whole number from 1 to " + max
                    + ", was '" + value + "'", e);
        }
    }
}
