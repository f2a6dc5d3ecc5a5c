// Fuzzes the one gzip utility (models/compression): the capped inflate the endpoint runs on request bodies
// (Content-Encoding gzip/deflate, hostile input) and the outbox on its stored bodies. Any bytes decode or are
// refused within the cap, never past it; whatever gzipBody encodes decodes back to itself; Content-Encoding
// decoding reads the same data as the one-stage inflate.
#include "fuzzcheck.h"

#include "compression/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView bytes = fuzzBytes(data, size);
    // A small cap as well as the real one (2 MB), so that the cap's edge is reached by small inputs.
    constexpr qint64 smallCap = 1024;
    constexpr qint64 bodyCap = 2'000'000;
    for (const DeflateFraming framing : {DeflateFraming::GzipOrZlib, DeflateFraming::Raw}) {
        const InflateResult small = inflateBody(bytes, smallCap, framing);
        const InflateResult large = inflateBody(bytes, bodyCap, framing);
        FUZZ_CHECK(small.data.size() <= smallCap);
        FUZZ_CHECK(large.data.size() <= bodyCap);
        FUZZ_CHECK(small.status == InflateStatus::Ok || small.data.isEmpty());
        if (small.status == InflateStatus::Ok) {
            FUZZ_CHECK(large.status == InflateStatus::Ok);
            FUZZ_CHECK(large.data == small.data);
        }
        if (large.status == InflateStatus::Ok && large.data.size() <= smallCap)
            FUZZ_CHECK(small.status == InflateStatus::Ok);
    }

    // A gzip stream the utility reads is what the endpoint reads for Content-Encoding: gzip.
    const InflateResult large = inflateBody(bytes, bodyCap);
    const DecodedBody viaEndpoint = decodeContentEncoding("gzip", bytes.toByteArray(), bodyCap);
    if (large.status == InflateStatus::Ok) {
        FUZZ_CHECK(viaEndpoint.status == DecodedBody::Status::Ok);
        FUZZ_CHECK(viaEndpoint.data == large.data);
    }

    // Round trip: the input as the data to encode.
    const QByteArray input = bytes.toByteArray();
    const QByteArray encoded = gzipBody(input);
    FUZZ_CHECK(!encoded.isEmpty());
    const InflateResult decoded = inflateBody(encoded, input.size());
    FUZZ_CHECK(decoded.status == InflateStatus::Ok);
    FUZZ_CHECK(decoded.data == input);
    return 0;
}
