<?php

namespace App\Models;

use Illuminate\Database\Eloquent\Model;

/**
 * A PrestaShop store. `failing` = 1 simulates its webservice answering HTTP 503, so every
 * SyncProductToPrestaShop towards it throws. Seeded: shop 1 works, shop 2 fails.
 * Flip the column to let a retried job succeed.
 */
class Shop extends Model
{
    public $timestamps = false;

    protected $guarded = [];

    protected $casts = ['failing' => 'boolean'];
}
