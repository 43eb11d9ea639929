// CDN staleness after an update: the edge copy's remaining TTL is uniform on [0, ttl]
// (copies were fetched at uniformly spread times), the purge lands after a delay uniform on
// [invalidation_min_s, invalidation_max_s]; users see stale content until the earlier of
// the two.
#pragma once

namespace scalemodel::caching {

// Worst case and mean, in seconds.
struct Staleness {
    double worst_s, mean_s;
};
Staleness cdn_staleness(double ttl_s, double invalidation_min_s, double invalidation_max_s);

}  // namespace scalemodel::caching
