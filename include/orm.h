/**
 * @file orm.h
 * @brief liborm: query builder, schema builder, migrations, seeds and
 * models for SQLite, PostgreSQL and MariaDB/MySQL.
 *
 * Include this umbrella header; it pulls in every public module.
 * Define ORM_NO_SHORT_NAMES before including it to keep the short aliases
 * (model_save, collection_fetch, ...) out of your namespace.
 */
#ifndef ORM_H
#define ORM_H

#include "orm/common.h"
#include "orm/errors.h"
#include "orm/value.h"
#include "orm/conn.h"
#include "orm/query.h"

#endif
