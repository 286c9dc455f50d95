<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Schema;

/**
 * The models SyncProductToPrestaShop serializes (as ModelIdentifier). The rows are part of the
 * migration so that a bare `migrate:fresh` leaves a usable app.
 */
class CreateProductsAndShopsTables extends Migration
{
    public function up()
    {
        Schema::create('products', function (Blueprint $table) {
            $table->id();
            $table->string('sku')->unique();
            $table->string('name');
            $table->decimal('price', 10, 2);
        });

        Schema::create('shops', function (Blueprint $table) {
            $table->id();
            $table->string('name');
            $table->string('api_url');
            $table->boolean('failing')->default(false);
        });

        DB::table('products')->insert([
            ['id' => 1001, 'sku' => 'SKU-1001', 'name' => 'Café crème 250g', 'price' => 7.90],
            ['id' => 1002, 'sku' => 'SKU-1002', 'name' => 'Thé vert "Sencha"', 'price' => 12.50],
            ['id' => 1003, 'sku' => 'SKU-1003', 'name' => 'Chocolat noir 70 % — 100 g', 'price' => 3.20],
            ['id' => 1004, 'sku' => 'SKU-1004', 'name' => 'Crêpes dentelle ×12', 'price' => 4.75],
        ]);

        DB::table('shops')->insert([
            ['id' => 1, 'name' => 'Boutique FR', 'api_url' => 'https://fr.shop.example/api', 'failing' => false],
            ['id' => 2, 'name' => 'Shop DE', 'api_url' => 'https://de.shop.example/api', 'failing' => true],
        ]);
    }

    public function down()
    {
        Schema::dropIfExists('shops');
        Schema::dropIfExists('products');
    }
}
