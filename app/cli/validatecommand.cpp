#include "validatecommand.h"

#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "event/eventkind.h"
#include "event/validator.h"
#include "log/recordbuilder.h"
#include "views/eventexchange.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cstdio>

namespace {

constexpr int kExitAccepted = 0;
constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;

int usageError(const QString& message)
{
    std::fprintf(stderr, "insights-debugger validate: %s\n", qPrintable(message));
    return kExitUsage;
}

struct Input
{
    QByteArray bytes;
    QString error;
};

Input readInput(const QString& path)
{
    Input input;
    QFile file;
    if (path == QLatin1String("-")) {
        if (!file.open(stdin, QIODevice::ReadOnly)) {
            input.error = QStringLiteral("cannot read standard input");
            return input;
        }
    } else {
        file.setFileName(path);
        if (!file.open(QIODevice::ReadOnly)) {
            input.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
            return input;
        }
    }
    input.bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        input.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
    return input;
}

QString kindName(const Event& event)
{
    const std::optional<EventKind> kind = kindOf(event);
    return kind ? eventKindInfo(*kind).name : event.eventType.value_or(QStringLiteral("?"));
}

QString verdictPhraseOf(const BatchVerdict& batch, const EventVerdict& event)
{
    return verdictPhrase(verdictFor(batch.httpStatus, batch.accepted(), event.issues));
}

void printIssue(QTextStream& out, const Issue& issue)
{
    out << "    " << severityName(issue.severity) << "  "
        << (issue.path().isEmpty() ? QStringLiteral("(request)") : issue.path()) << "  " << issue.code << "  "
        << issue.message;
    if (issue.unverifiedMessage)
        out << "  [Algolia's wording unknown]";
    out << '\n';
}

void printText(const DecodedBatch& batch, const BatchVerdict& verdict, const QString& profile)
{
    QTextStream out(stdout);
    for (const Issue& issue : verdict.requestIssues)
        printIssue(out, issue);
    int accepted = 0;
    for (qsizetype i = 0; i < verdict.events.size(); ++i) {
        const Event& event = batch.events.at(i);
        const EventVerdict& eventVerdict = verdict.events.at(i);
        accepted += verdict.accepted() ? 1 : 0;
        out << "events[" << i << "]  " << verdictPhraseOf(verdict, eventVerdict) << "  " << kindName(event);
        if (event.eventName)
            out << "  \"" << *event.eventName << '"';
        out << '\n';
        for (const Issue& issue : eventVerdict.issues)
            printIssue(out, issue);
    }
    out << "HTTP " << verdict.httpStatus << ' ' << verdict.responseBody() << "  (" << verdict.events.size()
        << " events: " << accepted << " accepted, " << (verdict.events.size() - accepted) << " rejected; "
        << verdict.errorCount() << " errors, " << verdict.warningCount() << " warnings; profile " << profile
        << ")\n";
}

void printJson(const DecodedBatch& batch, const BatchVerdict& verdict, const QString& profile,
               InputShape shape)
{
    QJsonArray events;
    for (qsizetype i = 0; i < verdict.events.size(); ++i) {
        const EventVerdict& eventVerdict = verdict.events.at(i);
        events.append(QJsonObject{
            {QStringLiteral("index"), static_cast<int>(i)},
            {QStringLiteral("accepted"), verdict.accepted()},
            {QStringLiteral("valid"), eventVerdict.valid},
            {QStringLiteral("verdict"),
             verdictKey(verdictFor(verdict.httpStatus, verdict.accepted(), eventVerdict.issues))},
            {QStringLiteral("status"), verdict.httpStatus},
            {QStringLiteral("kind"), kindName(batch.events.at(i))},
            {QStringLiteral("issues"), issuesToJson(eventVerdict.issues)},
        });
    }
    static const char* const shapes[] = {"requestBody", "singleEvent", "ndjson"};
    const QJsonObject report{
        {QStringLiteral("status"), verdict.httpStatus},
        {QStringLiteral("message"), verdict.message},
        {QStringLiteral("profile"), profile},
        {QStringLiteral("input"), QLatin1String(shapes[static_cast<int>(shape)])},
        {QStringLiteral("requestIssues"), issuesToJson(verdict.requestIssues)},
        {QStringLiteral("events"), events},
    };
    const QByteArray json = QJsonDocument(report).toJson(QJsonDocument::Indented);
    std::fwrite(json.constData(), 1, static_cast<size_t>(json.size()), stdout);
}

} // namespace

int runValidateCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger validate"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Judge Insights events as Algolia would: a request body {\"events\":[…]}, a single event, or "
        "NDJSON (one event a line). Exit status: 0 all accepted, 1 rejected, 2 usage or I/O error."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("FILE"),
                                 QStringLiteral("The input file, or - for standard input."));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print a machine-readable report."));
    const QCommandLineOption profileOption(QStringLiteral("profile"),
                                           QStringLiteral("Compatibility profile: %1 (default current).")
                                               .arg(CompatibilityProfile::names().join(u", ")),
                                           QStringLiteral("NAME"), QStringLiteral("current"));
    const QCommandLineOption catalogOption(
        QStringLiteral("catalog"),
        QStringLiteral(
            "Records file (JSON array or NDJSON of objects with objectID) for the objectID check."),
        QStringLiteral("FILE"));
    const QCommandLineOption nowOption(
        QStringLiteral("now"), QStringLiteral("Judge timestamps as of this time (ms since the epoch)."),
        QStringLiteral("MS"));
    const QCommandLineOption requestOption(
        QStringLiteral("as-request"),
        QStringLiteral(
            "Judge the input exactly as a POST /1/events body: a bare event or NDJSON then gets Algolia's "
            "answer to such a body (\"No events to process\", \"Invalid payload\")."));
    parser.addOptions({jsonOption, profileOption, catalogOption, nowOption, requestOption});
    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitAccepted;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("give one input file, or - for standard input (see --help)"));

    const CompatibilityProfile* profile = CompatibilityProfile::byName(parser.value(profileOption));
    if (!profile) {
        return usageError(QStringLiteral("unknown profile '%1' (known: %2)")
                              .arg(parser.value(profileOption), CompatibilityProfile::names().join(u", ")));
    }
    ValidationContext context;
    context.profile = profile;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    if (parser.isSet(nowOption)) {
        bool ok = false;
        context.nowMs = parser.value(nowOption).toLongLong(&ok);
        if (!ok)
            return usageError(QStringLiteral("--now takes milliseconds since the epoch"));
    }
    std::optional<IndexCatalog> catalog;
    if (parser.isSet(catalogOption)) {
        IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(parser.value(catalogOption));
        if (!loaded.catalog)
            return usageError(loaded.error);
        catalog = std::move(loaded.catalog);
        context.catalogs.append(&*catalog);
    }

    const Input input = readInput(positional.constFirst());
    if (!input.error.isEmpty())
        return usageError(input.error);
    DecodedInput decoded;
    BatchVerdict verdict;
    if (parser.isSet(requestOption)) {
        verdict = Validator::validateBody(input.bytes, context, &decoded.batch);
    } else {
        decoded = EventCodec::decodeInput(input.bytes);
        if (decoded.inputError)
            return usageError(*decoded.inputError);
        // An export of the debugger itself: its searches and refused requests are not events to judge.
        if (std::optional<EventExchange::ExportedEvents> exported =
                EventExchange::eventsOfExport(decoded.batch)) {
            if (exported->otherRecords > 0)
                std::fprintf(stderr,
                             "note: %lld search or refused-request record(s) of the export left out\n",
                             static_cast<long long>(exported->otherRecords));
            if (exported->batch.events.isEmpty())
                return usageError(QStringLiteral("no events in %1").arg(positional.constFirst()));
            decoded.batch = std::move(exported->batch);
        }
        if (decoded.shape == InputShape::RequestBody)
            verdict =
                Validator::validateBody(input.bytes, context); // the size limit applies to a request body
        else
            verdict = Validator::validate(decoded.batch, context);
    }
    if (parser.isSet(jsonOption))
        printJson(decoded.batch, verdict, profile->name, decoded.shape);
    else
        printText(decoded.batch, verdict, profile->name);
    return verdict.accepted() ? kExitAccepted : kExitRejected;
}
