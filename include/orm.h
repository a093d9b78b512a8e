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
#include "orm/schema.h"
#include "orm/config.h"
#include "orm/migrate.h"
#include "orm/seed.h"
#include "orm/model.h"

#ifndef ORM_NO_SHORT_NAMES
/* Short names for the model layer (Bookshelf's vocabulary). */
#define model_save orm_model_save /**< Short name for orm_model_save(). */
#define model_insert orm_model_insert /**< Short name for orm_model_insert(). */
#define model_update orm_model_update /**< Short name for orm_model_update(). */
#define model_fetch orm_model_fetch /**< Short name for orm_model_fetch(). */
#define model_find orm_model_find /**< Short name for orm_model_find(). */
#define model_find_id orm_model_find_id /**< Short name for orm_model_find_id(). */
#define model_refresh orm_model_refresh /**< Short name for orm_model_refresh(). */
#define model_destroy orm_model_destroy /**< Short name for orm_model_destroy(). */
#define model_clear orm_model_clear /**< Short name for orm_model_clear(). */
#define model_load orm_model_load /**< Short name for orm_model_load(). */
#define model_loaded orm_model_loaded /**< Short name for orm_model_loaded(). */
#define model_attach orm_model_attach /**< Short name for orm_model_attach(). */
#define model_detach orm_model_detach /**< Short name for orm_model_detach(). */
#define model_sync orm_model_sync /**< Short name for orm_model_sync(). */
#define model_insert_many orm_model_insert_many /**< Short name for orm_model_insert_many(). */
#define model_to_json orm_model_to_json /**< Short name for orm_model_to_json(). */
#define model_is_null ORM_MODEL_IS_NULL /**< Short name for the macro ORM_MODEL_IS_NULL(). */
#define model_set_null ORM_MODEL_SET_NULL /**< Short name for the macro ORM_MODEL_SET_NULL(). */
#define model_changed ORM_MODEL_CHANGED /**< Short name for the macro ORM_MODEL_CHANGED(). */
#define model_set ORM_MODEL_SET /**< Short name for the macro ORM_MODEL_SET(). */
#define model_set_text ORM_MODEL_SET_TEXT /**< Short name for the macro ORM_MODEL_SET_TEXT(). */
#define collection_fetch orm_collection_fetch /**< Short name for orm_collection_fetch(). */
#define collection_fetch_with orm_collection_fetch_with /**< Short name for orm_collection_fetch_with(). */
#define collection_fetch_page orm_collection_fetch_page /**< Short name for orm_collection_fetch_page(). */
#define collection_count orm_collection_count /**< Short name for orm_collection_count(). */
#define collection_load orm_collection_load /**< Short name for orm_collection_load(). */
#define collection_append orm_collection_append /**< Short name for orm_collection_append(). */
#define collection_save orm_collection_save /**< Short name for orm_collection_save(). */
#define collection_at orm_collection_at /**< Short name for orm_collection_at(). */
#define collection_free orm_collection_free /**< Short name for orm_collection_free(). */
#define collection_to_json orm_collection_to_json /**< Short name for orm_collection_to_json(). */
#endif

#endif
