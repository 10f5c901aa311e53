/**
 * Pinned images of Istio's bookinfo sample. The tag is the one of the reference manifests (istio/istio
 * samples/bookinfo/platform/kube/bookinfo.yaml at Istio 1.20.1); it moves with Istio releases, so it is pinned here.
 */
export const BOOKINFO_VERSION = '1.20.1';

const repo = 'docker.io/istio/examples-bookinfo';

/** The bookinfo images, each pinned (never `:latest`). */
export const BOOKINFO_IMAGES = {
  productpageV1: `${repo}-productpage-v1:${BOOKINFO_VERSION}`,
  detailsV1: `${repo}-details-v1:${BOOKINFO_VERSION}`,
  reviewsV1: `${repo}-reviews-v1:${BOOKINFO_VERSION}`,
  reviewsV2: `${repo}-reviews-v2:${BOOKINFO_VERSION}`,
  reviewsV3: `${repo}-reviews-v3:${BOOKINFO_VERSION}`,
  ratingsV1: `${repo}-ratings-v1:${BOOKINFO_VERSION}`,
  /** ratings v2 reads its stars from MongoDB (`MONGO_DB_URL`). */
  ratingsV2: `${repo}-ratings-v2:${BOOKINFO_VERSION}`,
  /** MongoDB seeded with bookinfo's ratings (samples/bookinfo/platform/kube/bookinfo-db.yaml). */
  mongodb: `${repo}-mongodb:${BOOKINFO_VERSION}`,
} as const;

/** The port every bookinfo service listens on. */
export const BOOKINFO_PORT = 9080;
