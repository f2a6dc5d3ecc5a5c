#include "planreport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QXmlStreamWriter>

namespace {

QJsonArray idsJson(const QList<qint64>& ids)
{
    QJsonArray array;
    for (const qint64 id : ids)
        array.append(id);
    return array;
}

QString findingText(const CheckFinding& finding)
{
    QString text;
    if (finding.recordId > 0)
        text += QStringLiteral("event #%1 ").arg(finding.recordId);
    if (!finding.field.isEmpty())
        text += finding.field + QStringLiteral(": ");
    return text + finding.message;
}

QString suiteName(CheckKind kind)
{
    switch (kind) {
    case CheckKind::Event:
        break;
    case CheckKind::Journey:
        return QStringLiteral("journeys");
    case CheckKind::Token:
        return QStringLiteral("tokens");
    }
    return QStringLiteral("events");
}

} // namespace

namespace PlanReport {

QByteArray toJson(const CheckReport& report)
{
    QJsonArray checks;
    for (const CheckResult& result : report.results) {
        QJsonArray findings;
        for (const CheckFinding& finding : result.findings) {
            QJsonObject object{{QStringLiteral("field"), finding.field},
                               {QStringLiteral("message"), finding.message}};
            object.insert(QStringLiteral("recordId"),
                          finding.recordId > 0 ? QJsonValue(finding.recordId) : QJsonValue());
            findings.append(object);
        }
        QJsonArray instances;
        for (const JourneyInstance& instance : result.instances) {
            instances.append(QJsonObject{{QStringLiteral("userToken"), instance.userToken},
                                         {QStringLiteral("status"), checkStatusName(instance.status)},
                                         {QStringLiteral("stepsDone"), instance.stepsDone},
                                         {QStringLiteral("recordIds"), idsJson(instance.recordIds)},
                                         {QStringLiteral("reason"), instance.reason}});
        }
        QJsonObject check{{QStringLiteral("key"), result.key},
                          {QStringLiteral("kind"), checkKindName(result.kind)},
                          {QStringLiteral("name"), result.name},
                          {QStringLiteral("status"), checkStatusName(result.status)},
                          {QStringLiteral("summary"), result.summary},
                          {QStringLiteral("matched"), result.matched},
                          {QStringLiteral("recordIds"), idsJson(result.recordIds())},
                          {QStringLiteral("findings"), findings}};
        if (result.kind == CheckKind::Journey)
            check.insert(QStringLiteral("instances"), instances);
        checks.append(check);
    }
    QJsonArray unplanned;
    for (const UnplannedEvent& event : report.unplanned) {
        unplanned.append(QJsonObject{{QStringLiteral("eventName"), event.eventName},
                                     {QStringLiteral("eventType"), event.eventType},
                                     {QStringLiteral("count"), event.count},
                                     {QStringLiteral("hint"), event.hint},
                                     {QStringLiteral("recordIds"), idsJson(event.recordIds)}});
    }
    const QJsonObject counts{{QStringLiteral("met"), report.count(CheckStatus::Met)},
                             {QStringLiteral("notMet"), report.count(CheckStatus::NotMet)},
                             {QStringLiteral("pending"), report.count(CheckStatus::Pending)},
                             {QStringLiteral("unplanned"), static_cast<int>(report.unplanned.size())}};
    const QJsonObject root{{QStringLiteral("plan"), report.planName},
                           {QStringLiteral("passed"), report.passed()},
                           {QStringLiteral("counts"), counts},
                           {QStringLiteral("recordsChecked"), report.recordsChecked},
                           {QStringLiteral("searchesChecked"), report.searchesChecked},
                           {QStringLiteral("lastRecordId"), report.lastRecordId},
                           {QStringLiteral("checks"), checks},
                           {QStringLiteral("unplanned"), unplanned}};
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

QByteArray toJunit(const CheckReport& report, qint64 timestampMs)
{
    struct Suite
    {
        QString name;
        QList<const CheckResult*> results;
    };
    QList<Suite> suites;
    for (const CheckKind kind : {CheckKind::Event, CheckKind::Journey, CheckKind::Token}) {
        Suite suite{suiteName(kind), {}};
        for (const CheckResult& result : report.results) {
            if (result.kind == kind)
                suite.results.append(&result);
        }
        suites.append(suite);
    }
    const bool unplannedFails = report.failOnUnplanned && !report.unplanned.isEmpty();
    const int total = static_cast<int>(report.results.size()) + 1; // + the unplanned-events case
    const int failures = report.count(CheckStatus::NotMet) + (unplannedFails ? 1 : 0);
    const int skipped = report.count(CheckStatus::Pending);
    const QString timestamp =
        QDateTime::fromMSecsSinceEpoch(timestampMs, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
    const QString planName = report.planName.isEmpty() ? QStringLiteral("plan") : report.planName;

    QByteArray out;
    QXmlStreamWriter xml(&out);
    xml.setAutoFormatting(true);
    xml.writeStartDocument();
    xml.writeStartElement(QStringLiteral("testsuites"));
    xml.writeAttribute(QStringLiteral("name"), QStringLiteral("insights-debugger check: ") + planName);
    xml.writeAttribute(QStringLiteral("tests"), QString::number(total));
    xml.writeAttribute(QStringLiteral("failures"), QString::number(failures));
    xml.writeAttribute(QStringLiteral("errors"), QStringLiteral("0"));
    xml.writeAttribute(QStringLiteral("skipped"), QString::number(skipped));
    xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0"));
    int suiteId = 0;
    const auto startSuite = [&](const QString& name, int tests, int suiteFailures, int suiteSkipped) {
        xml.writeStartElement(QStringLiteral("testsuite"));
        xml.writeAttribute(QStringLiteral("name"), planName + QStringLiteral(" / ") + name);
        xml.writeAttribute(QStringLiteral("id"), QString::number(suiteId++));
        xml.writeAttribute(QStringLiteral("tests"), QString::number(tests));
        xml.writeAttribute(QStringLiteral("failures"), QString::number(suiteFailures));
        xml.writeAttribute(QStringLiteral("errors"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("skipped"), QString::number(suiteSkipped));
        xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("timestamp"), timestamp);
    };
    for (const Suite& suite : suites) {
        int suiteFailures = 0;
        int suiteSkipped = 0;
        for (const CheckResult* result : suite.results) {
            suiteFailures += result->status == CheckStatus::NotMet ? 1 : 0;
            suiteSkipped += result->status == CheckStatus::Pending ? 1 : 0;
        }
        startSuite(suite.name, static_cast<int>(suite.results.size()), suiteFailures, suiteSkipped);
        for (const CheckResult* result : suite.results) {
            xml.writeStartElement(QStringLiteral("testcase"));
            xml.writeAttribute(QStringLiteral("name"), result->name);
            xml.writeAttribute(QStringLiteral("classname"), QStringLiteral("plan.") + suite.name);
            xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0"));
            if (result->status == CheckStatus::NotMet) {
                QStringList lines;
                for (const CheckFinding& finding : result->findings)
                    lines.append(findingText(finding));
                xml.writeStartElement(QStringLiteral("failure"));
                xml.writeAttribute(QStringLiteral("message"),
                                   result->findings.isEmpty() ? result->summary
                                                              : findingText(result->findings.constFirst()));
                xml.writeAttribute(QStringLiteral("type"), QStringLiteral("notMet"));
                xml.writeCharacters(result->summary + QLatin1Char('\n') + lines.join(QLatin1Char('\n')));
                xml.writeEndElement();
            } else if (result->status == CheckStatus::Pending) {
                xml.writeStartElement(QStringLiteral("skipped"));
                xml.writeAttribute(QStringLiteral("message"), result->summary);
                xml.writeEndElement();
            }
            xml.writeTextElement(QStringLiteral("system-out"), result->summary);
            xml.writeEndElement(); // testcase
        }
        xml.writeEndElement(); // testsuite
    }
    startSuite(QStringLiteral("unplanned"), 1, unplannedFails ? 1 : 0, 0);
    xml.writeStartElement(QStringLiteral("testcase"));
    xml.writeAttribute(QStringLiteral("name"), QStringLiteral("Unplanned events"));
    xml.writeAttribute(QStringLiteral("classname"), QStringLiteral("plan.unplanned"));
    xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0"));
    QStringList lines;
    for (const UnplannedEvent& event : report.unplanned)
        lines.append(QStringLiteral("%1 x %2 '%3'%4")
                         .arg(event.count)
                         .arg(event.eventType, event.eventName,
                              event.hint.isEmpty() ? QString()
                                                   : QStringLiteral(" (") + event.hint + QLatin1Char(')')));
    if (unplannedFails) {
        xml.writeStartElement(QStringLiteral("failure"));
        xml.writeAttribute(QStringLiteral("message"),
                           QStringLiteral("%1 unplanned event names").arg(report.unplanned.size()));
        xml.writeAttribute(QStringLiteral("type"), QStringLiteral("unplanned"));
        xml.writeCharacters(lines.join(QLatin1Char('\n')));
        xml.writeEndElement();
    }
    xml.writeTextElement(QStringLiteral("system-out"),
                         lines.isEmpty() ? QStringLiteral("none") : lines.join(QLatin1Char('\n')));
    xml.writeEndElement(); // testcase
    xml.writeEndElement(); // testsuite
    xml.writeEndElement(); // testsuites
    xml.writeEndDocument();
    return out;
}

QString toText(const CheckReport& report)
{
    QString out;
    for (const CheckResult& result : report.results) {
        const QString status = result.status == CheckStatus::Met      ? QStringLiteral("met    ")
                               : result.status == CheckStatus::NotMet ? QStringLiteral("NOT MET")
                                                                      : QStringLiteral("pending");
        out += status + QStringLiteral("  ") + checkKindName(result.kind).leftJustified(7) +
               QLatin1Char(' ') + result.name + QStringLiteral("  (") + result.summary +
               QStringLiteral(")\n");
        constexpr qsizetype kShown = 20;
        for (qsizetype i = 0; i < std::min(kShown, result.findings.size()); ++i)
            out += QStringLiteral("    ") + findingText(result.findings.at(i)) + QLatin1Char('\n');
        if (result.findings.size() > kShown)
            out += QStringLiteral("    ... and %1 more\n").arg(result.findings.size() - kShown);
    }
    for (const UnplannedEvent& event : report.unplanned) {
        out +=
            (report.failOnUnplanned ? QStringLiteral("NOT MET") : QStringLiteral("unplanned")) +
            QStringLiteral("  %1 '%2': %3 received").arg(event.eventType, event.eventName).arg(event.count);
        if (!event.hint.isEmpty())
            out += QStringLiteral(" (") + event.hint + QLatin1Char(')');
        out += QLatin1Char('\n');
    }
    out += QStringLiteral("%1 met, %2 not met, %3 pending, %4 unplanned event names; %5 events checked\n")
               .arg(report.count(CheckStatus::Met))
               .arg(report.count(CheckStatus::NotMet))
               .arg(report.count(CheckStatus::Pending))
               .arg(report.unplanned.size())
               .arg(report.recordsChecked);
    return out;
}

} // namespace PlanReport
