#pragma once

// The demo storefront on the embedded endpoint (issue 14 §4): GET /demo/ serves a small shop page (bundled in
// the resources as :/demo/) that a phone on the same network opens — by the QR code the desktop shows — to
// search the loaded index and send events in Algolia's wire format to the same endpoint. Not an automation
// route: it must answer any host the phone uses to reach the machine.

#include "endpoint/routehandler.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>

class StorefrontRoute final : public EndpointRouteHandler
{
public:
    // `indexName`: the index the page searches (one whose catalog the endpoint's local search answers from).
    // The page's files are read once from the resources; an empty result means they are not compiled in.
    static std::shared_ptr<StorefrontRoute> create(const QString& indexName, const QString& storeName);

    bool matches(QByteArrayView method, QByteArrayView path) const override;
    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override;

private:
    struct File
    {
        QByteArray contentType;
        QByteArray body;
    };
    QHash<QByteArray, File> m_files; // by path under /demo/
};
