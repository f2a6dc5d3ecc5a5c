#pragma once

#include "preference.h"

#include <QByteArray>
#include <QObject>
#include <QSettings>
#include <QString>
#include <QStringList>

#include <memory>

// The user's preferences, each declared once with its default. Stored as an INI file in the data folder;
// secrets (API keys) are never stored here: they go through the SecretStore.
class AppSettings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AppSettings)

    QString m_loadProblem; // before m_settings: opening the file sets it
    // Built before the preferences on purpose: they point into it.
    std::unique_ptr<QSettings> m_settings;

public:
    explicit AppSettings(const QString& dataDir, QObject* parent = nullptr);
    ~AppSettings() override;

    QString filePath() const;
    // What was wrong with the file when it was opened (kept aside as `name.broken-<time>`, or unreadable),
    // for the window; empty when fine.
    QString loadProblem() const { return m_loadProblem; }
    // Writes pending changes to disk and announces them.
    void sync();

    // Where "Send" goes: "local" (the embedded endpoint), "us", "de", "global" or "custom".
    Preference<QString> target;
    Preference<QString> customTargetUrl;
    Preference<QString> appId; // the Algolia application ID for the real API; its key is in the SecretStore

    Preference<int> endpointPort;
    Preference<QString> endpointBindAddress;
    Preference<QString> endpointRequiredAppId; // empty = accept any credentials
    // How the endpoint answers Algolia's search routes: "local" (from the loaded catalogs), "relay" (to the
    // site's Algolia app) or "off" (app/search/searchmode.h holds the names).
    Preference<QString> searchMode;
    // Forward the events the endpoint receives to Algolia ("us", "de", "global") with the site's credentials,
    // keeping Algolia's answer beside the local verdict; "off" (the default) forwards nothing.
    Preference<QString> relayEvents;

    // Poll Algolia's debugger feed (GET /1/events) while sending to an Algolia region with a key: Algolia's
    // own verdict on sent events, and the events a live site sends.
    Preference<bool> pollAlgoliaFeed;

    Preference<QString> compatibilityProfile;
    Preference<qlonglong> logRetention; // records kept in the event log

    Preference<QString> defaultIndex;
    Preference<QString> currency;
    Preference<QStringList> eventNameHistory;
    Preference<QStringList> importedCatalogs; // records files loaded at start, besides the sample

    static constexpr int kEventNameHistorySize = 20;
    // Puts a name first in the history, without duplicates, capped.
    void rememberEventName(const QString& name);

Q_SIGNALS:
    void changed();
};

// Window geometry and layout, apart from preferences: resetting one never touches the other.
class WindowState final
{
    QString m_loadProblem;                 // before m_settings: opening the file sets it
    std::unique_ptr<QSettings> m_settings; // before the preferences: they point into it

public:
    explicit WindowState(const QString& dataDir);
    ~WindowState();
    Q_DISABLE_COPY_MOVE(WindowState)

    QString filePath() const;
    QString loadProblem() const { return m_loadProblem; } // as AppSettings::loadProblem()
    void sync();

    Preference<QByteArray> geometry;
    Preference<QByteArray> windowState;
    Preference<QByteArray> tableHeader;    // the live table's columns, order, widths and sort
    Preference<QStringList> recentFilters; // the filter bar's recent filters
    Preference<QString> theme;             // "system", "light" or "dark" (View > Theme)
    Preference<int> zoomPercent;           // View > Zoom, in percent of the system font
    Preference<QString> selectedUserId;
    Preference<int> composerTab;
    Preference<QByteArray> composerDraft; // the composer's event when the window closed (its JSON)
    Preference<QString> composerKind;     // and its kind: the fields alone do not always tell
};
