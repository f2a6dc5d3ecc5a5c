#include "vocabulary.h"

#include <iterator>

namespace {

struct VerdictWords
{
    Verdict verdict;
    const char* name;
    const char* key;
};

// One table: the display name, the phrase (the name in lower case) and the machine key come from here.
constexpr VerdictWords kVerdictWords[] = {
    {Verdict::Accepted, "Accepted", "accepted"},
    {Verdict::AcceptedWithWarnings, "Accepted with warnings", "acceptedWithWarnings"},
    {Verdict::Rejected, "Rejected", "rejected"},
    {Verdict::RejectedWithBatch, "Rejected with its batch", "rejectedWithBatch"},
    {Verdict::NotDelivered, "Not delivered", "notDelivered"},
    {Verdict::RequestRejected, "Request rejected", "requestRejected"},
};

const VerdictWords& wordsOf(Verdict verdict)
{
    for (const VerdictWords& words : kVerdictWords) {
        if (words.verdict == verdict)
            return words;
    }
    return kVerdictWords[0];
}

struct SeverityWord
{
    Severity severity;
    const char16_t* name;
};
constexpr SeverityWord kSeverityNames[] = {
    {Severity::Error, u"error"},
    {Severity::Warning, u"warning"},
    {Severity::Info, u"info"},
};

struct SourceWord
{
    EventSource source;
    const char16_t* name;
};
constexpr SourceWord kSourceNames[] = {
    {EventSource::Endpoint, u"endpoint"},
    {EventSource::Sent, u"sent"},
    {EventSource::Algolia, u"algolia"},
    {EventSource::Imported, u"imported"},
};

} // namespace

QString severityName(Severity severity)
{
    for (const SeverityWord& word : kSeverityNames) {
        if (word.severity == severity)
            return QString::fromUtf16(word.name);
    }
    return {};
}

std::optional<Severity> severityFromName(QStringView name)
{
    for (const SeverityWord& word : kSeverityNames) {
        if (name == QStringView(word.name))
            return word.severity;
    }
    return std::nullopt;
}

QString eventSourceName(EventSource source)
{
    for (const SourceWord& word : kSourceNames) {
        if (word.source == source)
            return QString::fromUtf16(word.name);
    }
    return {};
}

std::optional<EventSource> eventSourceFromName(QStringView name)
{
    for (const SourceWord& word : kSourceNames) {
        if (name.compare(QStringView(word.name), Qt::CaseInsensitive) == 0)
            return word.source;
    }
    return std::nullopt;
}

QList<QLatin1String> EventTypes::all()
{
    return {Click, Conversion, View, InstantSearch};
}

QString verdictName(Verdict verdict)
{
    return QString::fromLatin1(wordsOf(verdict).name);
}

QString httpStatusText(int httpStatus)
{
    return httpStatus > 0 ? QString::number(httpStatus) : QStringLiteral("\u2014");
}

QString verdictPhrase(Verdict verdict)
{
    return verdictName(verdict).toLower();
}

QString verdictKey(Verdict verdict)
{
    return QString::fromLatin1(wordsOf(verdict).key);
}

std::optional<Verdict> verdictFromKey(QStringView key)
{
    for (const VerdictWords& words : kVerdictWords) {
        if (key.compare(QLatin1String(words.key), Qt::CaseInsensitive) == 0)
            return words.verdict;
    }
    return std::nullopt;
}

QList<Verdict> allVerdicts()
{
    QList<Verdict> verdicts;
    verdicts.reserve(static_cast<qsizetype>(std::size(kVerdictWords)));
    for (const VerdictWords& words : kVerdictWords)
        verdicts.append(words.verdict);
    return verdicts;
}

bool isAcceptedVerdict(Verdict verdict)
{
    return verdict == Verdict::Accepted || verdict == Verdict::AcceptedWithWarnings;
}

QString SearchWords::hitCount(qint64 hits)
{
    return hits == 1 ? QStringLiteral("1 hit") : QStringLiteral("%1 hits").arg(hits);
}

QString SearchWords::queryText(const QString& query)
{
    return query.isEmpty() ? QStringLiteral("(empty query)")
                           : QString(QChar(0x201C) + query + QChar(0x201D)); // “red shoes”
}
