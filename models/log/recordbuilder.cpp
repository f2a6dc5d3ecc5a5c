#include "recordbuilder.h"

#include "event/event.h"
#include "event/eventcodec.h"
#include "event/eventview.h"
#include "event/validator.h"
#include "log/recordbatch.h"
#include "search/searchrecord.h"

#include <algorithm>

namespace {

bool containsAny(QStringView text, std::initializer_list<QLatin1String> words)
{
    return std::any_of(words.begin(), words.end(),
                       [text](QLatin1String word) { return text.contains(word, Qt::CaseInsensitive); });
}

bool hasSeverity(const IssueList& issues, Severity severity)
{
    return std::any_of(issues.cbegin(), issues.cend(),
                       [severity](const Issue& issue) { return issue.severity == severity; });
}

} // namespace

QString deviceFromUserAgent(QStringView userAgent)
{
    if (userAgent.isEmpty())
        return {};
    // Crawlers name themselves "...bot/2.1", "...bot;" or "...Bot)"; a bare "bot" substring would also
    // match phone brands such as CUBOT. Headless browsers are automation, not people.
    if (containsAny(userAgent, {QLatin1String("bot/"), QLatin1String("bot;"), QLatin1String("bot)"),
                                QLatin1String("bot "), QLatin1String("crawler"), QLatin1String("spider"),
                                QLatin1String("slurp"), QLatin1String("facebookexternalhit"),
                                QLatin1String("HeadlessChrome")}))
        return QStringLiteral("bot");
    // Android phones say "Mobile" (Chrome) or "Mobile;" (Firefox); Android tablets do not.
    const bool android = userAgent.contains(QLatin1String("Android"), Qt::CaseInsensitive);
    if (containsAny(userAgent, {QLatin1String("iPad"), QLatin1String("Tablet"), QLatin1String("Kindle"),
                                QLatin1String("Silk/")}) ||
        (android && !userAgent.contains(QLatin1String("Mobile"), Qt::CaseInsensitive)))
        return QStringLiteral("tablet");
    if (android || containsAny(userAgent, {QLatin1String("Mobi"), QLatin1String("iPhone"),
                                           QLatin1String("iPod"), QLatin1String("Windows Phone")}))
        return QStringLiteral("mobile");
    if (userAgent.startsWith(QLatin1String("Mozilla/")))
        return QStringLiteral("desktop");
    return {};
}

Verdict verdictFor(int httpStatus, bool accepted, const IssueList& ownIssues)
{
    if (accepted)
        return hasSeverity(ownIssues, Severity::Warning) ? Verdict::AcceptedWithWarnings : Verdict::Accepted;
    // No answer, a rate limit or a server error: the event was never judged.
    if (httpStatus == 0 || httpStatus == 429 || httpStatus >= 500)
        return Verdict::NotDelivered;
    if (hasSeverity(ownIssues, Severity::Error))
        return Verdict::Rejected;
    if (httpStatus == 422)
        return Verdict::RejectedWithBatch;
    return Verdict::RequestRejected; // 400, 401, 403, 404, 413...: refused before its events were judged
}

Verdict verdictOf(const LogRecord& record)
{
    // A refused request carries an error issue (why it was refused), yet no event of it broke a rule. Its
    // status may be 501 (a framing the endpoint cannot read): still a refusal, not a delivery to retry.
    if (record.kind == RecordKind::Request)
        return Verdict::RequestRejected;
    return verdictFor(record.httpStatus, record.accepted, record.issues);
}

namespace RecordBuilder {

namespace {

LogRecord requestPart(const RequestFacts& facts)
{
    LogRecord record;
    record.requestId = facts.requestId;
    record.receivedAtMs = facts.receivedAtMs;
    record.source = facts.source;
    record.httpStatus = facts.httpStatus;
    record.accepted = facts.accepted;
    record.message = facts.message;
    record.userAgent = facts.userAgent;
    record.device = deviceFromUserAgent(facts.userAgent);
    record.agent = facts.agent;
    record.origin = facts.origin;
    record.referer = facts.referer;
    record.remoteAddress = facts.remoteAddress;
    record.appId = facts.appId;
    record.target = facts.target;
    record.method = facts.method;
    record.path = facts.path;
    record.rawRequest = facts.rawRequest;
    return record;
}

QByteArray cut(QByteArrayView body)
{
    return body.first(std::min(body.size(), kRequestBodyKept)).toByteArray();
}

// "a=1; b=2" -> "a=***; b=***": which cookies came (and so the header's size) stays readable, never a value.
QByteArray maskedCookies(QByteArrayView value)
{
    QByteArray out;
    for (const QByteArray& part : value.toByteArray().split(';')) {
        const QByteArray cookie = part.trimmed();
        if (cookie.isEmpty())
            continue;
        if (!out.isEmpty())
            out += "; ";
        const qsizetype equals = cookie.indexOf('=');
        out += (equals < 0 ? cookie : cookie.left(equals)) + "=***";
    }
    return out;
}

} // namespace

bool isSecretName(QByteArrayView name)
{
    return name.compare("x-algolia-api-key", Qt::CaseInsensitive) == 0 ||
           name.compare("authorization", Qt::CaseInsensitive) == 0 ||
           name.compare("proxy-authorization", Qt::CaseInsensitive) == 0;
}

RawRequest rawRequest(QByteArrayView method, QByteArrayView target,
                      const QList<QPair<QByteArray, QByteArray>>& headers, QByteArrayView body)
{
    RawRequest raw;
    raw.method = method.toByteArray();
    const qsizetype question = target.indexOf('?');
    raw.target = (question < 0 ? target : target.first(question)).toByteArray();
    if (question >= 0) {
        QByteArray query;
        for (const QByteArray& pair : target.sliced(question + 1).toByteArray().split('&')) {
            const qsizetype equals = pair.indexOf('=');
            const QByteArray name = equals < 0 ? pair : pair.left(equals);
            if (!query.isEmpty())
                query += '&';
            query += isSecretName(QByteArray::fromPercentEncoding(name)) ? name + "=***" : pair;
        }
        raw.target += '?' + query;
    }
    for (const auto& [name, value] : headers) {
        QByteArray kept = value;
        if (isSecretName(name))
            kept = QByteArrayLiteral("***");
        else if (name.compare("cookie", Qt::CaseInsensitive) == 0)
            kept = maskedCookies(value);
        raw.headers += name + ": " + kept + "\r\n";
    }
    raw.body = cut(body);
    raw.bodyTruncated = raw.body.size() < body.size();
    return raw;
}

LogRecord eventRecord(const RequestFacts& facts, const Event& event, QByteArray rawJson, int indexInRequest,
                      IssueList issues)
{
    LogRecord record = requestPart(facts);
    record.indexInRequest = indexInRequest;
    record.issues = std::move(issues);
    record.rawJson = std::move(rawJson);
    record.eventType = event.eventType.value_or(QString());
    record.eventSubtype = event.eventSubtype.value_or(QString());
    record.eventName = event.eventName.value_or(QString());
    record.index = event.index.value_or(QString());
    record.userToken = event.userToken.value_or(QString());
    record.authenticatedUserToken = event.authenticatedUserToken.value_or(QString());
    record.timestampMs = event.timestamp.value_or(0);
    record.queryId = event.queryID.value_or(QString());
    return record;
}

LogRecord eventRecord(const RequestFacts& facts, const QByteArray& rawJson, int indexInRequest,
                      IssueList issues)
{
    const DecodedBatch decoded = EventCodec::decodeEvent(rawJson);
    if (decoded.events.isEmpty()) {
        LogRecord record = requestPart(facts);
        record.indexInRequest = indexInRequest;
        record.issues = std::move(issues);
        record.rawJson = rawJson;
        return record;
    }
    return eventRecord(facts, decoded.events.constFirst(), rawJson, indexInRequest, std::move(issues));
}

QList<LogRecord> eventRecords(const RequestFacts& facts, const DecodedBatch& batch,
                              const BatchVerdict& verdict)
{
    QList<LogRecord> records;
    records.reserve(batch.events.size());
    for (qsizetype i = 0; i < batch.events.size(); ++i) {
        const Event& event = batch.events.at(i);
        QByteArray rawJson =
            i < batch.rawEvents.size() ? batch.rawEvents.at(i) : EventCodec::encodeEvent(event);
        IssueList issues = i < verdict.events.size() ? verdict.events.at(i).issues : IssueList();
        records.append(eventRecord(facts, event, std::move(rawJson), static_cast<int>(i), std::move(issues)));
    }
    return records;
}

LogRecord requestRecord(const RequestFacts& facts, QByteArrayView body, IssueList issues)
{
    LogRecord record = requestPart(facts);
    record.kind = RecordKind::Request;
    record.rawJson = cut(body);
    record.issues = std::move(issues);
    return record;
}

LogRecord refusedRequestRecord(const RequestFacts& facts, QByteArrayView body, Issue why)
{
    LogRecord record = requestRecord(facts, body, IssueList{std::move(why)});
    record.accepted = false;
    return record;
}

Issue requestIssue(const QString& code, const QString& field, const QString& message)
{
    return Issue{Severity::Error, -1, field, code, message, false};
}

LogRecord searchRecord(const RequestFacts& facts, const SearchRecord& search, int indexInRequest)
{
    LogRecord record = requestPart(facts);
    record.kind = RecordKind::Search;
    record.indexInRequest = indexInRequest;
    record.message = QStringLiteral("%1 hits").arg(search.nbHits);
    record.rawJson = search.toJsonBytes();
    record.index = search.index;
    record.userToken = search.userToken;
    record.queryId = search.queryID;
    record.timestampMs = search.atMs;
    return record;
}

QList<LogRecord> requestRecords(const RequestFacts& facts, const DecodedBatch& batch,
                                const BatchVerdict& verdict, QByteArrayView body)
{
    QList<LogRecord> records = eventRecords(facts, batch, verdict);
    if (records.isEmpty())
        records.append(requestRecord(facts, body, verdict.allIssues()));
    return records;
}

std::shared_ptr<const RecordBatch> requestBatch(const RequestFacts& facts, const EventViewBatch& views,
                                                const BatchVerdict& verdict, QByteArray body)
{
    if (views.size() == 0)
        return RecordBatch::fromRecords({requestRecord(facts, body, verdict.allIssues())}).front();
    auto batch = std::make_shared<RecordBatch>();
    batch->setFacts(requestPart(facts));
    // The views point into the batch's copy of the body, at the same offsets as in `body`: slices of those
    // bytes are slices of `body`. Should the two differ, every value is copied instead.
    const QByteArrayView copy = views.input();
    const QByteArrayView sameBytes = copy.size() == body.size() ? copy : QByteArrayView();
    batch->body = std::move(body);
    batch->rows.reserve(static_cast<size_t>(views.size()));
    for (qsizetype i = 0; i < views.size(); ++i) {
        const EventView& event = views.events[static_cast<size_t>(i)];
        RecordBatch::Row& row = batch->rows.emplace_back();
        row.kind = RecordKind::Event;
        row.source = facts.source;
        row.accepted = facts.accepted;
        row.httpStatus = facts.httpStatus;
        row.indexInRequest = static_cast<int>(i);
        row.receivedAtMs = facts.receivedAtMs;
        row.timestampMs = event.timestamp.value_or(0);
        row.rawJson = batch->sliceOf(event.rawJson, sameBytes);
        for (const EventColumn& column : kEventColumns) {
            const std::optional<std::string_view>& field = event.*column.view;
            row.*column.row = field ? batch->sliceOf(*field, sameBytes) : RecordBatch::Slice{};
        }
        if (i < verdict.events.size())
            batch->setIssues(row, verdict.events.at(i).issues);
    }
    return batch;
}

} // namespace RecordBuilder
