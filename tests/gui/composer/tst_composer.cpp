#include "composer/composerwidget.h"
#include "event/eventcodec.h"
#include "event/eventkind.h"
#include "log/eventlog.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "users/testusermodel.h"

#include "logwait.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDeadlineTimer>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

// Widgets are found by objectName, as a user finds them by their labels: the test breaks when the form does.
class TestComposer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void formShowsOnlyTheKindsFields();
    void composeEachKindAndSendIt_data();
    void composeEachKindAndSendIt();
    void rejectedEventShowsItsErrorAtTheField();
    void tokenErrorShowsAtTheTokenField();
    void jsonTabRoundTripsAndKeepsUnknownFields();
    void formEditsKeepUnknownFieldsAndPastedFilters();
    void queryIdIsGenerated();
    void catalogSearchAddsObjectWithTitle();
    void templatesAreSavedLoadedAndKept();
    void eventNameHistoryRemembersSentNames();
    void issueColoursFollowThePalette();
    void kindSwitchWalkShowsExactlyEachKindsFields();
    void issuesAppearWithoutMovingOtherFields();
    void computedValueIsAcceptedByTheValidator();
    void warningOfAHiddenFieldIsInTheSummary();
    void readOnlyUserTokenSaysWhy();
    void thisEventOnlyUserResetsAfterSending();

private:
    template <typename T>
    T* find(const char* name) const
    {
        auto* widget = m_composer->findChild<T*>(QString::fromLatin1(name));
        if (!widget)
            qFatal("widget %s not found", name);
        return widget;
    }
    void chooseKind(EventKind kind);
    QList<LogRecord> waitForLogged(const QString& eventName);
    // Closes the session and opens a new one on the same data folder (a restart).
    void cleanupKeepingDir();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DesktopSession> m_session;
    ComposerWidget* m_composer = nullptr;
};

void TestComposer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    DesktopOptions options;
    options.dataDir = m_dir->path();
    options.port = 0; // a free port: tests run in parallel
    options.inMemorySecrets = true;
    options.exampleOnFirstRun = false; // each test composes from an empty form
    DesktopSession::CreateResult created = DesktopSession::create(options);
    QVERIFY2(created.session, qPrintable(created.error));
    m_session = std::move(created.session);
    QVERIFY2(!m_session->endpointBaseUrl().isEmpty(), qPrintable(m_session->endpointError()));
    m_composer = m_session->window()->composer();
    m_session->window()->show();
}

void TestComposer::cleanup()
{
    m_composer = nullptr;
    m_session.reset();
    m_dir.reset();
}

void TestComposer::chooseKind(EventKind kind)
{
    auto* combo = find<QComboBox>("kindCombo");
    const int index = combo->findText(eventKindInfo(kind).name);
    QVERIFY(index >= 0);
    combo->setCurrentIndex(index);
    QCOMPARE(m_composer->kind(), kind);
}

QList<LogRecord> TestComposer::waitForLogged(const QString& eventName)
{
    LogQuery query;
    query.eventName = eventName;
    if (!waitForRecords(m_session->log(), query, 1))
        qWarning("no event named %s was logged in 15 s", qPrintable(eventName));
    return m_session->log()->query(query);
}

void TestComposer::formShowsOnlyTheKindsFields()
{
    chooseKind(EventKind::ClickedFilters);
    QVERIFY(find<QTableWidget>("filtersTable")->isVisibleTo(m_composer));
    QVERIFY(!find<QTableWidget>("objectsTable")->isVisibleTo(m_composer));
    QVERIFY(!find<QLineEdit>("queryIdEdit")->isVisibleTo(m_composer));

    chooseKind(EventKind::ClickedObjectIDsAfterSearch);
    auto* objects = find<QTableWidget>("objectsTable");
    QVERIFY(objects->isVisibleTo(m_composer));
    QVERIFY(!objects->isColumnHidden(2)); // positions
    QVERIFY(objects->isColumnHidden(3));  // price: clicks carry no objectData
    QVERIFY(find<QLineEdit>("queryIdEdit")->isVisibleTo(m_composer));
    QVERIFY(!find<QLineEdit>("valueEdit")->isVisibleTo(m_composer));

    chooseKind(EventKind::PurchasedObjectIDsAfterSearch);
    QVERIFY(objects->isColumnHidden(2));  // no positions on a conversion
    QVERIFY(!objects->isColumnHidden(3)); // price
    QVERIFY(!objects->isColumnHidden(6)); // per-item queryID
    QVERIFY(find<QLineEdit>("valueEdit")->isVisibleTo(m_composer));
    QVERIFY(find<QComboBox>("currencyEdit")->isVisibleTo(m_composer));

    chooseKind(EventKind::InstantSearch);
    QVERIFY(!find<QLineEdit>("indexEdit")->isVisibleTo(m_composer));
    // Each kind says what it sends.
    auto* kinds = find<QComboBox>("kindCombo");
    const QString tip =
        kinds->itemData(kinds->findText(QStringLiteral("clickedObjectIDsAfterSearch")), Qt::ToolTipRole)
            .toString();
    QVERIFY2(tip.contains(QLatin1String("eventType: click")) && tip.contains(QLatin1String("positions")),
             qPrintable(tip));
    QVERIFY(find<QLineEdit>("agentIdEdit")->isVisibleTo(m_composer));
}

void TestComposer::composeEachKindAndSendIt_data()
{
    QTest::addColumn<int>("kind");
    for (const EventKindInfo& info : allEventKinds())
        QTest::addRow("%s", qPrintable(info.name)) << static_cast<int>(info.kind);
}

void TestComposer::composeEachKindAndSendIt()
{
    QFETCH(int, kind);
    const EventKindInfo& info = eventKindInfo(static_cast<EventKind>(kind));
    chooseKind(info.kind);

    const QString eventName = QStringLiteral("GUI ") + info.name.left(40);
    auto* name = find<QComboBox>("eventNameEdit");
    name->setCurrentText(QString());
    QTest::keyClicks(name->lineEdit(), eventName);
    auto* index = find<QLineEdit>("indexEdit");
    if (index->isVisibleTo(m_composer)) {
        index->clear();
        QTest::keyClicks(index, QStringLiteral("movies"));
    }
    auto all = [&](EventField field) {
        return info.required.contains(field) || info.optional.contains(field);
    };
    if (info.required.contains(EventField::QueryID))
        QTest::mouseClick(find<QPushButton>("generateQueryIdButton"), Qt::LeftButton);
    if (all(EventField::ObjectIDs)) {
        for (const char* objectID : {"movie-0003", "movie-0004"}) {
            QTest::keyClicks(find<QLineEdit>("objectSearchEdit"), QString::fromLatin1(objectID));
            QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
        }
        QCOMPARE(find<QTableWidget>("objectsTable")->rowCount(), 2);
    }
    if (all(EventField::Filters))
        QTest::mouseClick(find<QPushButton>("addFilterButton"), Qt::LeftButton);
    if (all(EventField::ObjectDataQueryID)) {
        QTest::mouseClick(find<QPushButton>("fillItemQueryIdsButton"), Qt::LeftButton);
        const Event filled = m_composer->event();
        QVERIFY(filled.objectData.has_value());
        for (const ObjectDataItem& item : *filled.objectData)
            QVERIFY(item.queryID && item.queryID->size() == 32);
        if (filled.queryID) // after a search: the items share the event's queryID
            QCOMPARE(filled.objectData->constFirst().queryID, filled.queryID);
    }
    if (all(EventField::Currency))
        find<QComboBox>("currencyEdit")->setCurrentText(QStringLiteral("EUR"));
    if (all(EventField::AgentID))
        QTest::keyClicks(find<QLineEdit>("agentIdEdit"), QStringLiteral("agent-1"));

    const Event composed = m_composer->event();
    QCOMPARE(composed.eventName, std::optional<QString>(eventName));
    QVERIFY(composed.userToken.has_value()); // the global test user's token
    QVERIFY2(m_composer->verdict().accepted(), qPrintable(m_composer->verdict().message));
    QCOMPARE(find<QLabel>("verdictLabel")->property("accepted").toBool(), true);

    QTest::mouseClick(find<QPushButton>("sendButton"), Qt::LeftButton);
    const QList<LogRecord> records = waitForLogged(eventName);
    QCOMPARE(records.size(), 1); // logged once, though sent by the app to its own endpoint
    const LogRecord& record = records.constFirst();
    QCOMPARE(record.httpStatus, 200);
    QVERIFY(record.accepted);
    QCOMPARE(record.eventType, info.eventType);
    QCOMPARE(record.eventSubtype, info.eventSubtype);
    QCOMPARE(record.userToken, *composed.userToken);
    QVERIFY(record.timestampMs > 0); // "collected now": stamped when sent
}

void TestComposer::rejectedEventShowsItsErrorAtTheField()
{
    chooseKind(EventKind::ClickedObjectIDsAfterSearch);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("GUI rejected click"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("movies"));
    QTest::mouseClick(find<QPushButton>("generateQueryIdButton"), Qt::LeftButton);
    for (const char* objectID : {"movie-0001", "movie-0002"}) {
        QTest::keyClicks(find<QLineEdit>("objectSearchEdit"), QString::fromLatin1(objectID));
        QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    }
    auto* positionsIssue = find<QLabel>("positionsIssue");
    QVERIFY(positionsIssue->text().isEmpty()); // its line is kept, empty

    // The second position typed as 0: Algolia's rule is positions >= 1.
    auto* table = find<QTableWidget>("objectsTable");
    table->item(1, 2)->setText(QStringLiteral("0"));
    const QString message = QStringLiteral("Event of type click may only have strictly positive positions");
    QVERIFY(!m_composer->verdict().accepted());
    QVERIFY(!positionsIssue->text().isEmpty());
    QVERIFY2(positionsIssue->text().contains(message), qPrintable(positionsIssue->text()));
    QVERIFY(positionsIssue->text().contains(QLatin1String("positions[1]")));
    QCOMPARE(positionsIssue->property("issueSeverity").toString(), QStringLiteral("error"));
    QVERIFY(table->item(1, 2)->toolTip().contains(message)); // the cell itself says why
    QVERIFY(table->item(0, 2)->toolTip().isEmpty());
    QVERIFY(find<QLabel>("eventNameIssue")->text().isEmpty());
    QCOMPARE(find<QLabel>("verdictLabel")->property("accepted").toBool(), false);

    // Sent anyway (testers send invalid events on purpose): the endpoint rejects it with the same words.
    QTest::mouseClick(find<QPushButton>("sendButton"), Qt::LeftButton);
    const QList<LogRecord> records = waitForLogged(QStringLiteral("GUI rejected click"));
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.constFirst().httpStatus, 422);
    QCOMPARE(records.constFirst().message, message);

    // Fixing the cell clears the error at once.
    table->item(1, 2)->setText(QStringLiteral("2"));
    QVERIFY(positionsIssue->text().isEmpty()); // its line is kept, empty
    QVERIFY(m_composer->verdict().accepted());
}

void TestComposer::tokenErrorShowsAtTheTokenField()
{
    chooseKind(EventKind::ViewedObjectIDs);
    auto* user = find<QComboBox>("userCombo");
    user->setCurrentIndex(user->count() - 1); // typed tokens
    auto* token = find<QLineEdit>("userTokenEdit");
    QVERIFY(!token->isReadOnly());
    token->setText(QStringLiteral("jane doe"));
    auto* issue = find<QLabel>("userTokenIssue");
    QVERIFY(issue->isVisibleTo(m_composer));
    QVERIFY(!issue->text().isEmpty());
    QVERIFY2(issue->text().contains(QLatin1String("UserToken must contain only alphanumeric")),
             qPrintable(issue->text()));
    token->setText(QStringLiteral("jane-doe"));
    QVERIFY(!issue->text().contains(QLatin1String("UserToken must contain only")));
}

void TestComposer::jsonTabRoundTripsAndKeepsUnknownFields()
{
    // Form -> JSON -> form gives back the same event.
    chooseKind(EventKind::AddedToCartObjectIDsAfterSearch);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Added To Cart"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("movies"));
    QTest::mouseClick(find<QPushButton>("generateQueryIdButton"), Qt::LeftButton);
    QTest::keyClicks(find<QLineEdit>("objectSearchEdit"), QStringLiteral("movie-0005"));
    QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    find<QComboBox>("currencyEdit")->setCurrentText(QStringLiteral("USD"));
    find<QCheckBox>("timestampNowCheck")->setChecked(false);
    const Event fromForm = m_composer->event();
    QVERIFY(fromForm.objectData.has_value()); // the catalog's price was filled in

    auto* json = find<QPlainTextEdit>("jsonEdit");
    find<QTabWidget>("composerTabs")->setCurrentIndex(1);
    const QString text = json->toPlainText();
    QCOMPARE(text.toUtf8(), EventCodec::encodeEvent(fromForm));
    json->setPlainText(text);
    QCOMPARE(m_composer->event(), fromForm);

    // JSON -> form: the form shows the pasted event, and fields Algolia accepts but the form has no
    // widget for are kept.
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/ui/purchase-with-extras.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray pasted = file.readAll().trimmed();
    json->setPlainText(QString::fromUtf8(pasted));
    QCOMPARE(m_composer->kind(), EventKind::PurchasedObjectIDsAfterSearch);
    QCOMPARE(find<QComboBox>("eventNameEdit")->currentText(), QStringLiteral("Order Completed"));
    QCOMPARE(find<QTableWidget>("objectsTable")->rowCount(), 2);
    QCOMPARE(find<QTableWidget>("objectsTable")->item(1, 3)->text(), QStringLiteral("8.5"));
    QCOMPARE(find<QComboBox>("currencyEdit")->currentText(), QStringLiteral("EUR"));
    QVERIFY(!find<QCheckBox>("timestampNowCheck")->isChecked());
    const Event decoded = EventCodec::decodeEvent(pasted).events.constFirst();
    QCOMPARE(m_composer->event(), decoded);
    QCOMPARE(m_composer->event().extra(u"algoliaSource"), QByteArrayLiteral("[\"instantsearch\"]"));

    // Back on the form, its canonical JSON is the pasted event's.
    find<QTabWidget>("composerTabs")->setCurrentIndex(0);
    QCOMPARE(json->toPlainText().toUtf8(), EventCodec::encodeEvent(decoded));

    // Not JSON: the error shows under the editor and the event stays as it was.
    find<QTabWidget>("composerTabs")->setCurrentIndex(1);
    json->setPlainText(QStringLiteral("{\"eventType\": "));
    QVERIFY(find<QLabel>("jsonIssue")->isVisibleTo(m_composer));
    QCOMPARE(m_composer->event(), decoded);
}

void TestComposer::formEditsKeepUnknownFieldsAndPastedFilters()
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/ui/filters-not-encoded.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    find<QTabWidget>("composerTabs")->setCurrentIndex(1);
    find<QPlainTextEdit>("jsonEdit")->setPlainText(QString::fromUtf8(file.readAll()));
    QCOMPARE(m_composer->kind(), EventKind::ClickedFilters);
    find<QTabWidget>("composerTabs")->setCurrentIndex(0);

    // An edit elsewhere in the form sends the filters as they were pasted, not re-encoded.
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Filter Clicked Again"));
    const Event edited = m_composer->event();
    QCOMPARE(edited.filters, std::optional<QStringList>(
                                 {QStringLiteral("brand:Acme Corp"), QStringLiteral("discount:10%25")}));
    QCOMPARE(edited.extra(u"customField"), QByteArrayLiteral("{\"kept\":true}"));
    // The form shows the readable value and what is sent.
    auto* filters = find<QTableWidget>("filtersTable");
    QCOMPARE(filters->item(1, 1)->text(), QStringLiteral("10%"));
    QCOMPARE(filters->item(1, 2)->text(), QStringLiteral("discount:10%25"));
    // The shared validator's URL-encoding warning is shown at the filters.
    QVERIFY(!find<QLabel>("filtersIssue")->text().isEmpty());

    // Editing the row itself sends it URL-encoded.
    filters->item(0, 1)->setText(QStringLiteral("Acme Inc"));
    QCOMPARE(m_composer->event().filters->constFirst(), QStringLiteral("brand:Acme%20Inc"));
    QCOMPARE(filters->item(0, 2)->text(), QStringLiteral("brand:Acme%20Inc"));
}

void TestComposer::queryIdIsGenerated()
{
    chooseKind(EventKind::ConvertedObjectIDsAfterSearch);
    auto* edit = find<QLineEdit>("queryIdEdit");
    QTest::mouseClick(find<QPushButton>("generateQueryIdButton"), Qt::LeftButton);
    const QString first = edit->text();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$")).match(first).hasMatch(), qPrintable(first));
    QTest::mouseClick(find<QPushButton>("generateQueryIdButton"), Qt::LeftButton);
    QVERIFY(edit->text() != first);
    QVERIFY(find<QLabel>("queryIDIssue")->text().isEmpty());
    edit->setText(first.toUpper());
    QVERIFY(!find<QLabel>("queryIDIssue")->text().isEmpty());
}

void TestComposer::catalogSearchAddsObjectWithTitle()
{
    chooseKind(EventKind::ViewedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Product Viewed"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("movies"));
    auto* search = find<QLineEdit>("objectSearchEdit");
    QTest::keyClicks(search, QStringLiteral("quiet tide"));
    // The completer offers "objectID — title" entries from the sample index.
    auto* completer = search->completer();
    QVERIFY(completer->model()->rowCount() >= 1);
    const QString first = completer->model()->index(0, 0).data().toString();
    QVERIFY2(first.startsWith(QLatin1String("movie-0001")), qPrintable(first));
    QVERIFY(first.contains(QLatin1String("The Quiet Tide")));
    search->setText(first);
    QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    auto* table = find<QTableWidget>("objectsTable");
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("movie-0001"));
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("The Quiet Tide"));

    // An objectID the catalog does not have: added as typed, flagged by the validator's warning.
    QTest::keyClicks(search, QStringLiteral("no-such-movie"));
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(1, 0)->text(), QStringLiteral("no-such-movie"));
    QVERIFY2(m_composer->verdict().accepted(), qPrintable(m_composer->verdict().message));
    QVERIFY(m_composer->verdict().warningCount() >= 1);
    QVERIFY(!find<QLabel>("objectIDsIssue")->text().isEmpty());
}

void TestComposer::templatesAreSavedLoadedAndKept()
{
    chooseKind(EventKind::ConvertedFilters);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Filter Converted"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("movies"));
    QTest::mouseClick(find<QPushButton>("addFilterButton"), Qt::LeftButton);
    // Unknown fields in an order QJsonObject would not keep: the template gives them back as they were.
    Event withExtras = m_composer->event();
    withExtras.setExtra(QStringLiteral("zeta"), QByteArrayLiteral("1.50"));
    withExtras.setExtra(QStringLiteral("alpha"), QByteArrayLiteral("[\"b\",\"a\"]"));
    m_composer->setEvent(withExtras);
    const Event saved = m_composer->event();
    auto* templates = find<QComboBox>("templatesCombo");
    templates->setCurrentText(QStringLiteral("Genre conversion"));
    QTest::mouseClick(find<QPushButton>("saveTemplateButton"), Qt::LeftButton);
    QCOMPARE(templates->count(), 1);

    // Something else in the form, then the template back.
    chooseKind(EventKind::ViewedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Other"));
    QVERIFY(!(m_composer->event() == saved));
    templates->setCurrentIndex(0);
    Q_EMIT templates->activated(0);
    QCOMPARE(m_composer->kind(), EventKind::ConvertedFilters);
    QCOMPARE(m_composer->event(), saved);

    // Kept in the data folder: a new session offers it, byte for byte.
    cleanupKeepingDir();
    QCOMPARE(find<QComboBox>("templatesCombo")->findText(QStringLiteral("Genre conversion")), 0);
    Q_EMIT find<QComboBox>("templatesCombo")->activated(0);
    QCOMPARE(EventCodec::encodeEvent(m_composer->event()), EventCodec::encodeEvent(saved));
    QTest::mouseClick(find<QPushButton>("deleteTemplateButton"), Qt::LeftButton);
    QCOMPARE(find<QComboBox>("templatesCombo")->count(), 1); // nothing selected: nothing deleted
    find<QComboBox>("templatesCombo")->setCurrentText(QStringLiteral("Genre conversion"));
    QTest::mouseClick(find<QPushButton>("deleteTemplateButton"), Qt::LeftButton);
    QCOMPARE(find<QComboBox>("templatesCombo")->count(), 0);
}

void TestComposer::eventNameHistoryRemembersSentNames()
{
    chooseKind(EventKind::ViewedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Trailer Watched"));
    QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
    auto* names = find<QComboBox>("eventNameEdit");
    QCOMPARE(names->itemText(0), QStringLiteral("Trailer Watched"));
    QCOMPARE(names->currentText(), QStringLiteral("Trailer Watched"));
    cleanupKeepingDir();
    QCOMPARE(find<QComboBox>("eventNameEdit")->itemText(0), QStringLiteral("Trailer Watched"));
}

void TestComposer::issueColoursFollowThePalette()
{
    chooseKind(EventKind::ViewedObjectIDs); // no eventName yet: an error under the field
    auto* issue = find<QLabel>("eventNameIssue");
    QVERIFY(!issue->text().isEmpty());
    auto colourOf = [](const QLabel* label) {
        const QString style = label->styleSheet();
        return QColor(style.mid(style.indexOf(QLatin1Char('#')), 7));
    };
    const QColor onLight = colourOf(issue);
    QPalette dark = m_composer->palette();
    dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    m_composer->setPalette(dark);
    const QColor onDark = colourOf(issue);
    QVERIFY(onLight.isValid() && onDark.isValid());
    // Each reads against its background: dark red on light, light red on dark.
    QVERIFY(onLight.lightness() < 128);
    QVERIFY(onDark.lightness() > 128);
}

void TestComposer::cleanupKeepingDir()
{
    m_session->window()->saveWindowState();
    m_composer = nullptr;
    m_session.reset();
    DesktopOptions options;
    options.dataDir = m_dir->path();
    options.port = 0;
    options.inMemorySecrets = true;
    options.exampleOnFirstRun = false;
    m_session = std::move(DesktopSession::create(options).session);
    QVERIFY(m_session);
    m_composer = m_session->window()->composer();
}

namespace {

// The widget a person types into for each field, by objectName.
const QHash<EventField, QString>& fieldWidgets()
{
    static const QHash<EventField, QString> widgets = {
        {EventField::EventName, QStringLiteral("eventNameEdit")},
        {EventField::Index, QStringLiteral("indexEdit")},
        {EventField::UserToken, QStringLiteral("userTokenEdit")},
        {EventField::AuthenticatedUserToken, QStringLiteral("authenticatedUserTokenEdit")},
        {EventField::Timestamp, QStringLiteral("timestampNowCheck")},
        {EventField::QueryID, QStringLiteral("queryIdEdit")},
        {EventField::ObjectIDs, QStringLiteral("objectsTable")},
        {EventField::Filters, QStringLiteral("filtersTable")},
        {EventField::Value, QStringLiteral("valueEdit")},
        {EventField::Currency, QStringLiteral("currencyEdit")},
        {EventField::AgentID, QStringLiteral("agentIdEdit")},
    };
    return widgets;
}

bool kindHasField(EventKind kind, EventField field)
{
    // Every kind may carry a name, the tokens and a timestamp; the rest is the kind's own.
    const EventKindInfo& info = eventKindInfo(kind);
    return info.required.contains(field) || info.optional.contains(field) || field == EventField::EventName ||
           field == EventField::UserToken || field == EventField::AuthenticatedUserToken ||
           field == EventField::Timestamp;
}

} // namespace

void TestComposer::kindSwitchWalkShowsExactlyEachKindsFields()
{
    // Every ordered pair of kinds: switch from one to the other and check the fields a person sees, the
    // form row's label included. Rows used to vanish for good after some sequences.
    auto* form = find<QWidget>("composerForm");
    auto check = [&](EventKind kind) -> QString {
        for (auto it = fieldWidgets().cbegin(); it != fieldWidgets().cend(); ++it) {
            auto* widget = m_composer->findChild<QWidget*>(it.value());
            auto* label = m_composer->findChild<QWidget*>(it.value() + QStringLiteral("Label"));
            if (!widget || !label)
                return QStringLiteral("no widget or label for %1").arg(it.value());
            const bool expected = kindHasField(kind, it.key());
            if (widget->isVisibleTo(form) != expected || label->isVisibleTo(form) != expected)
                return QStringLiteral("%1: %2 should be %3")
                    .arg(eventKindInfo(kind).name, it.value(), expected ? u"shown" : u"hidden");
        }
        auto* objects = find<QTableWidget>("objectsTable");
        if (objects->isColumnHidden(2) == kindHasField(kind, EventField::Positions))
            return eventKindInfo(kind).name + QStringLiteral(": positions column");
        if (objects->isColumnHidden(3) == kindHasField(kind, EventField::ObjectData))
            return eventKindInfo(kind).name + QStringLiteral(": objectData columns");
        return {};
    };
    const QList<EventKindInfo>& kinds = allEventKinds();
    QCOMPARE(kinds.size(), 13);
    int pairs = 0;
    for (const EventKindInfo& from : kinds) {
        for (const EventKindInfo& to : kinds) {
            if (from.kind == to.kind)
                continue;
            chooseKind(from.kind);
            QString problem = check(from.kind);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            chooseKind(to.kind);
            problem = check(to.kind);
            QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("after %1: ").arg(from.name) + problem));
            ++pairs;
        }
    }
    QCOMPARE(pairs, 13 * 12);
}

void TestComposer::issuesAppearWithoutMovingOtherFields()
{
    chooseKind(EventKind::ConvertedObjectIDsAfterSearch);
    auto* form = find<QWidget>("composerForm");
    auto* name = find<QComboBox>("eventNameEdit");
    name->setCurrentText(QStringLiteral("Product Bought"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("products"));
    find<QLineEdit>("queryIdEdit")->setText(QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7"));
    find<QLineEdit>("objectSearchEdit")->setText(QStringLiteral("sku-1"));
    QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    QTRY_VERIFY(m_composer->verdict().accepted());
    auto positions = [&] {
        QList<int> ys;
        for (const QString& widget : fieldWidgets())
            ys << m_composer->findChild<QWidget*>(widget)->mapTo(form, QPoint(0, 0)).y();
        return ys;
    };
    const QList<int> before = positions();
    // An error comes (no event name, a malformed queryID) and goes: no field moves.
    name->setCurrentText(QString());
    find<QLineEdit>("queryIdEdit")->setText(QStringLiteral("not a query id"));
    QVERIFY(!m_composer->verdict().accepted());
    QVERIFY(!find<QLabel>("eventNameIssue")->text().isEmpty());
    QVERIFY(!find<QLabel>("queryIDIssue")->text().isEmpty());
    QCoreApplication::processEvents();
    QCOMPARE(positions(), before);
    name->setCurrentText(QStringLiteral("Product Bought"));
    find<QLineEdit>("queryIdEdit")->setText(QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7"));
    QVERIFY(m_composer->verdict().accepted());
    QCoreApplication::processEvents();
    QCOMPARE(positions(), before);
}

void TestComposer::computedValueIsAcceptedByTheValidator()
{
    // Quantity 3 with a discount: the form used to subtract the discount once per line, the validator
    // discount × quantity, so "Use computed" wrote a value its own validator flagged.
    chooseKind(EventKind::PurchasedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Order Completed"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("products"));
    find<QComboBox>("currencyEdit")->setCurrentText(QStringLiteral("EUR"));
    auto* objects = find<QTableWidget>("objectsTable");
    for (const QString& objectID : {QStringLiteral("sku-1"), QStringLiteral("sku-2")}) {
        find<QLineEdit>("objectSearchEdit")->setText(objectID);
        QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    }
    QCOMPARE(objects->rowCount(), 2);
    const QList<QStringList> lines = {{QStringLiteral("10.10"), QStringLiteral("3"), QStringLiteral("1.5")},
                                      {QStringLiteral("4.99"), QStringLiteral("2"), QString()}};
    for (int row = 0; row < 2; ++row) {
        objects->setItem(row, 3, new QTableWidgetItem(lines[row][0]));
        objects->setItem(row, 4, new QTableWidgetItem(lines[row][1]));
        objects->setItem(row, 5, new QTableWidgetItem(lines[row][2]));
    }
    QTest::mouseClick(find<QPushButton>("useComputedValueButton"), Qt::LeftButton);
    QVERIFY(!find<QLineEdit>("valueEdit")->text().isEmpty());
    bool mismatch = false;
    for (const Issue& issue : m_composer->verdict().allIssues())
        mismatch = mismatch || issue.code == QLatin1String("value.mismatch");
    QVERIFY2(!mismatch, qPrintable(find<QLineEdit>("valueEdit")->text()));
    QCOMPARE(find<QLineEdit>("valueEdit")->text().toDouble(), 10.10 * 3 + 4.99 * 2);
    // And a value typed by hand that matches neither reading is still flagged.
    find<QLineEdit>("valueEdit")->setText(QStringLiteral("12"));
    for (const Issue& issue : m_composer->verdict().allIssues())
        mismatch = mismatch || issue.code == QLatin1String("value.mismatch");
    QVERIFY(mismatch);
}

void TestComposer::warningOfAHiddenFieldIsInTheSummary()
{
    // clickedObjectIDs has no queryID field, yet Algolia's usage warning is about the queryID: the warning
    // is not lost with its field, it is in the summary under the form.
    chooseKind(EventKind::ClickedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Product Clicked"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("products"));
    find<QLineEdit>("objectSearchEdit")->setText(QStringLiteral("sku-1"));
    QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    bool warned = false;
    for (const Issue& issue : m_composer->verdict().allIssues())
        warned = warned || issue.code == QLatin1String("queryID.missing");
    QVERIFY(warned);
    QVERIFY(!find<QLineEdit>("queryIdEdit")->isVisibleTo(m_composer));
    auto* summary = find<QLabel>("eventIssue");
    QVERIFY(summary->isVisibleTo(m_composer));
    QVERIFY2(summary->text().contains(QLatin1String("queryID")), qPrintable(summary->text()));
}

void TestComposer::readOnlyUserTokenSaysWhy()
{
    auto* token = find<QLineEdit>("userTokenEdit");
    auto* users = find<QComboBox>("userCombo");
    users->setCurrentIndex(0); // the global user
    QVERIFY(token->isReadOnly());
    auto* note = find<QLabel>("userTokenReadOnlyNote");
    QVERIFY(note->isVisibleTo(m_composer));
    QVERIFY2(note->text().contains(QLatin1String("Typed tokens")), qPrintable(note->text()));
    users->setCurrentIndex(users->findData(QStringLiteral("custom")));
    QVERIFY(!token->isReadOnly());
    QVERIFY(!note->isVisibleTo(m_composer));
}

void TestComposer::thisEventOnlyUserResetsAfterSending()
{
    const QString id = m_session->users()->create(QStringLiteral("Carol"));
    auto* users = find<QComboBox>("userCombo");
    users->setCurrentIndex(users->findData(id));
    QCOMPARE(m_composer->event().userToken, m_session->users()->user(id)->userToken);
    chooseKind(EventKind::ViewedObjectIDs);
    find<QComboBox>("eventNameEdit")->setCurrentText(QStringLiteral("Viewed once as Carol"));
    find<QLineEdit>("indexEdit")->setText(QStringLiteral("products"));
    find<QLineEdit>("objectSearchEdit")->setText(QStringLiteral("sku-1"));
    QTest::mouseClick(find<QPushButton>("addObjectButton"), Qt::LeftButton);
    QTest::mouseClick(find<QPushButton>("sendButton"), Qt::LeftButton);
    const QList<LogRecord> logged = waitForLogged(QStringLiteral("Viewed once as Carol"));
    QCOMPARE(logged.size(), 1);
    QCOMPARE(logged.first().userToken, m_session->users()->user(id)->userToken);
    // "This event only": the next event is the global user's again.
    QCOMPARE(users->currentIndex(), 0);
    QCOMPARE(m_composer->event().userToken, m_session->users()->globalUser()->userToken);
}

QTEST_MAIN(TestComposer)
#include "tst_composer.moc"
