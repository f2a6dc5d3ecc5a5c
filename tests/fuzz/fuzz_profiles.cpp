// Fuzzes the readers of Algolia's profile answers (app/client/profiles): classic Personalization
// (GET /1/profiles/personalization/{token}) and Advanced Personalization (GET /2/users/{id}). Any body gives
// a profile, sorted highest first, or a one-line error, and describes itself to people either way.
#include "fuzzcheck.h"

#include "client/profiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray body = fuzzBytes(data, size).toByteArray();

    ProfileLookup classic;
    classic.kind = ProfileKind::Classic;
    classic.classic = ProfileParser::parseClassic(body, &classic.parseError);
    FUZZ_CHECK(classic.classic.has_value() != !classic.parseError.isEmpty());
    if (classic.classic) {
        const auto& scores = classic.classic->scores;
        for (qsizetype i = 1; i < scores.size(); ++i)
            FUZZ_CHECK(!(scores.at(i - 1).score < scores.at(i).score));
    }
    FUZZ_CHECK(!describeProfile(classic).isEmpty());

    ProfileLookup advanced;
    advanced.kind = ProfileKind::Advanced;
    advanced.advanced = ProfileParser::parseAdvanced(body, &advanced.parseError);
    FUZZ_CHECK(advanced.advanced.has_value() != !advanced.parseError.isEmpty());
    if (advanced.advanced) {
        const auto& affinities = advanced.advanced->affinities;
        for (qsizetype i = 1; i < affinities.size(); ++i)
            FUZZ_CHECK(affinities.at(i - 1).score >= affinities.at(i).score);
    }
    FUZZ_CHECK(!describeProfile(advanced).isEmpty());
    return 0;
}
